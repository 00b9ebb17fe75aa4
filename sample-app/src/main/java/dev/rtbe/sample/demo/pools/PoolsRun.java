package dev.rtbe.sample.demo.pools;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What one pools-scenario run produced: the application's calls and the N of the agent's pools (real
 * nanoseconds from the run's start), and the server's side of every call (UNSCALED seconds from the run's
 * start, from the simulator's records).
 *
 * @param trueSlots   each model's slots on the simulated server (the truth a learned N should reach)
 * @param idleEmbedNs median embedding latency on the idle server in this run, or -1
 */
public record PoolsRun(String id, String label, boolean agent, Map<String, Integer> trueSlots, double scale,
                       List<ScenarioCall> calls, List<NSample> samples, List<ServerSide> server, long idleEmbedNs,
                       double wallSeconds) {

    /** One call's stay on the server: arrival, slot, end (unscaled s); its wait for a slot is hidden from the client. */
    public record ServerSide(String id, String model, double arrivalS, double startS, double endS) {
        public double waitS() {
            return startS - arrivalS;
        }

        public String kind() {
            return id.substring(0, id.indexOf('-'));
        }
    }

    public List<ScenarioCall> calls(String kind) {
        return calls.stream().filter(c -> c.kind().equals(kind)).toList();
    }

    /** Latencies (issue to end) of successful calls of {@code kind}, sorted, in real nanoseconds. */
    public List<Long> latenciesNs(String kind) {
        List<Long> l = new ArrayList<>();
        for (ScenarioCall c : calls(kind)) {
            if (c.ok()) {
                l.add(c.latencyNs());
            }
        }
        l.sort(Comparator.naturalOrder());
        return l;
    }

    /** RT time to first token of successful streams, sorted, UNSCALED seconds. */
    public List<Double> rtTtftsS() {
        List<Double> t = new ArrayList<>();
        for (ScenarioCall c : calls("RT")) {
            if (c.ok() && c.firstNs() >= 0) {
                t.add((c.firstNs() - c.issueNs()) * scale / 1e9);
            }
        }
        t.sort(Comparator.naturalOrder());
        return t;
    }

    public long failed() {
        return calls.stream().filter(c -> !c.ok()).count();
    }

    /** The embedding latency at percentile {@code p} over the idle one measured in this run. */
    public double embedOverIdle(double p) {
        List<Long> l = latenciesNs("EMB");
        if (l.isEmpty() || idleEmbedNs <= 0) {
            return Double.NaN;
        }
        return percentile(l, p) / (double) idleEmbedNs;
    }

    public double toSeconds(long realNs) {
        return realNs * scale / 1e9;
    }

    /** Nearest-rank percentile of a sorted list. */
    static <T extends Number> double percentile(List<T> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1))).doubleValue();
    }
}
