package dev.rtbe.sample.demo.pools;

import java.util.List;

/**
 * How one auto-N pool learned its model's slots in a run: unscaled seconds from the run's start.
 *
 * @param callsToReach   calls of this model the server had finished when the pool's N first equalled the truth,
 *                       or -1 if it never did
 * @param reachS         when that happened, or NaN
 * @param minAfter       lowest N after that (NaN-free: the truth itself when nothing changed)
 * @param maxAfter       highest N after that (above the truth: probing)
 * @param finalN         N at the end of the run (0: no pool seen)
 * @param rtMaxWaitAfterS longest wait inside the server of an RT call that arrived after N first equalled the truth
 * @param waitedAfter    calls that arrived after that and waited inside the server longer than {@code waitFloorS}
 * @param callsAfter     calls that arrived after that
 * @param settledN       the N the pool held longest over the second half of the run (what it converged to)
 */
public record Learning(String model, int trueN, int callsToReach, double reachS, int minAfter, int maxAfter,
                       int finalN, double rtMaxWaitAfterS, long waitedAfter, long callsAfter, double waitFloorS,
                       int settledN) {

    /** Reads {@code model}'s learning from a run; a server wait above {@code waitFloorS} counts as waiting. */
    static Learning of(PoolsRun run, String model, double waitFloorS) {
        int truth = run.trueSlots().get(model);
        List<NSample> samples = run.samples().stream().filter(s -> s.model().equals(model)).toList();
        double reachS = Double.NaN;
        int reachIndex = -1;
        for (int i = 0; i < samples.size(); i++) {
            if (samples.get(i).n() == truth) {
                reachS = run.toSeconds(samples.get(i).tNs());
                reachIndex = i;
                break;
            }
        }
        int finalN = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).n();
        List<PoolsRun.ServerSide> mine = run.server().stream().filter(s -> s.model().equals(model)).toList();
        double endS = mine.stream().mapToDouble(PoolsRun.ServerSide::endS).filter(d -> !Double.isNaN(d)).max().orElse(0);
        int settled = heldLongest(run, samples, endS / 2, endS);
        if (reachIndex < 0) {
            return new Learning(model, truth, -1, Double.NaN, finalN, finalN, finalN, Double.NaN, 0, 0, waitFloorS,
                    settled);
        }
        int min = truth;
        int max = truth;
        for (NSample s : samples.subList(reachIndex, samples.size())) {
            min = Math.min(min, s.n());
            max = Math.max(max, s.n());
        }
        double at = reachS;
        int calls = (int) mine.stream().filter(s -> s.endS() <= at).count();
        List<PoolsRun.ServerSide> after = mine.stream().filter(s -> s.arrivalS() > at).toList();
        double rtMax = after.stream().filter(s -> s.kind().equals("RT")).mapToDouble(PoolsRun.ServerSide::waitS)
                .max().orElse(0);
        long waited = after.stream().filter(s -> s.waitS() > waitFloorS).count();
        return new Learning(model, truth, calls, reachS, min, max, finalN, rtMax, waited, after.size(), waitFloorS,
                settled);
    }

    /** The N held for the longest time within [fromS, toS] (0 if the pool was never seen). */
    private static int heldLongest(PoolsRun run, List<NSample> samples, double fromS, double toS) {
        java.util.Map<Integer, Double> held = new java.util.HashMap<>();
        for (int i = 0; i < samples.size(); i++) {
            double a = Math.max(fromS, run.toSeconds(samples.get(i).tNs()));
            double b = Math.min(toS, i + 1 < samples.size() ? run.toSeconds(samples.get(i + 1).tNs()) : toS);
            if (b > a) {
                held.merge(samples.get(i).n(), b - a, Double::sum);
            }
        }
        return held.entrySet().stream().max(java.util.Map.Entry.comparingByValue()).map(java.util.Map.Entry::getKey)
                .orElse(0);
    }
}
