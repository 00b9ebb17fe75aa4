package dev.rtbe.sample.demo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What one run produced. {@code calls} are the application's records; {@code slots} the server's slot
 * occupancy (from the simulator's records, or the app-side spans against a real server); all times in
 * UNSCALED seconds from the replay start. {@code maxStallS}: the app JVM's longest oversleep (unscaled), a
 * measure of how far an overloaded machine bent the replay's clock. {@code idleTtftS}: the RT time to first
 * token measured on the idle server before the replay (unscaled; negative if unknown).
 */
public record RunResult(RunSpec spec, List<CallRecord> calls, List<SlotSpan> slots, double scale, double runLengthS,
                        double wallSeconds, int exitCode, boolean serverSide, double maxStallS, double idleTtftS) {

    /**
     * One request's stay on the server: arrival at the server, slot start, end; aborted by the client or not, and
     * the slot time it threw away ({@link ServerSpans}: all of an aborted attempt's unless its output was continued).
     */
    public record SlotSpan(String id, String kind, double arrival, double start, double end, boolean aborted,
                           double wastedS) {}

    public List<Double> rtTtfts() {
        List<Double> t = new ArrayList<>();
        for (CallRecord c : calls) {
            if (c.kind().equals("RT") && c.ok() && c.firstNs() >= 0) {
                t.add((c.firstNs() - c.issueNs()) * scale / 1e9);
            }
        }
        t.sort(Comparator.naturalOrder());
        return t;
    }

    public long count(String kind) {
        return calls.stream().filter(c -> c.kind().equals(kind)).count();
    }

    public long failed(String kind) {
        return calls.stream().filter(c -> c.kind().equals(kind) && !c.ok()).count();
    }

    public double ttftMean() {
        return rtTtfts().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    public double ttftPercentile(double p) {
        return percentile(rtTtfts(), p);
    }

    public double ttftMax() {
        List<Double> t = rtTtfts();
        return t.isEmpty() ? Double.NaN : t.get(t.size() - 1);
    }

    /** RT TTFT p95 over the idle-server TTFT measured in the same run: what the scheduling adds. */
    public double p95OverIdle() {
        return idleTtftS > 0 ? ttftPercentile(95) / idleTtftS : Double.NaN;
    }

    /** BE calls completed within the run length, per hour of run length. */
    public double beDonePerHour() {
        long done = calls.stream().filter(c -> c.kind().equals("BE") && c.ok()
                && c.endNs() * scale / 1e9 < runLengthS).count();
        return done * 3600.0 / runLengthS;
    }

    /** Longest BE wait (issue to slot): the call's duration minus its slot time, unscaled seconds. */
    public double beMaxWait() {
        return calls.stream().filter(c -> c.kind().equals("BE") && c.ok())
                .mapToDouble(c -> Math.max(0, (c.endNs() - c.issueNs()) * scale / 1e9 - c.slotS()))
                .max().orElse(Double.NaN);
    }

    /**
     * Server slot time thrown away on attempts the client aborted (preempted attempts; of a continued one only
     * what the next attempt did not build on), as a share of all the slot time the run's length offered; NaN when
     * the server's side is unknown (real Ollama).
     */
    public double wastedSlotShare() {
        if (!serverSide) {
            return Double.NaN;
        }
        double wasted = slots.stream().mapToDouble(SlotSpan::wastedS).sum();
        return wasted / (spec.serverSlots() * runLengthS);
    }

    /**
     * The share of the server's slot time before the run length that requests held (wasted attempts included);
     * NaN when the server's side is unknown. Below 1 while batch work waited, the slots idled: e.g. an application
     * JVM too starved by a busy machine to send the next call as soon as a slot freed.
     */
    public double busySlotShare() {
        if (!serverSide) {
            return Double.NaN;
        }
        double busy = slots.stream().filter(s -> !Double.isNaN(s.start()) && !Double.isNaN(s.end()))
                .mapToDouble(s -> Math.max(0, Math.min(s.end(), runLengthS) - Math.max(s.start(), 0))).sum();
        return busy / (spec.serverSlots() * runLengthS);
    }

    /**
     * The most requests the server held at once, running or queued inside it (arrival to end); -1 when the
     * server's side is unknown (real Ollama). Above the server's slots, its own queue (no priorities) decided.
     */
    public int maxAtServer() {
        if (!serverSide) {
            return -1;
        }
        List<double[]> events = new ArrayList<>();
        for (SlotSpan s : slots) {
            if (!Double.isNaN(s.arrival()) && !Double.isNaN(s.end())) {
                events.add(new double[] {s.arrival(), 1});
                events.add(new double[] {s.end(), -1});
            }
        }
        // At a tie an end comes first: a request that arrives as another ends does not overlap it.
        events.sort(Comparator.<double[]>comparingDouble(e -> e[0]).thenComparingDouble(e -> e[1]));
        int now = 0;
        int max = 0;
        for (double[] e : events) {
            now += (int) e[1];
            max = Math.max(max, now);
        }
        return max;
    }

    /** Nearest-rank percentile of a sorted list. */
    static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
