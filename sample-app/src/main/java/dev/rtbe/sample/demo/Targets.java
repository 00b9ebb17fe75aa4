package dev.rtbe.sample.demo;

import java.util.List;
import java.util.Locale;

/**
 * Issue 12's targets for run (f), resumable preemption, on the two checked-in traces: RT TTFT p95 within
 * {@code p95OverFloor} of the floor, batch throughput at least {@code beShare} of run (a)'s, and (ADR day only)
 * slot time wasted below {@code wastedBelow}.
 */
record Targets(String traceName, double p95OverFloor, double beShare, double wastedBelow) {
    static final String RUN = "f";

    /** The targets of {@code trace} ({@code adr}, {@code burst} or their file), or null for another trace. */
    static Targets forTrace(String trace) {
        String known = Trace.known(trace);
        if (known == null) {
            return null;
        }
        return known.equals("adr") ? new Targets("ADR day", 1.25, 0.97, 0.03)
                : new Targets("burst trace", 1.25, 0.95, Double.NaN);
    }

    /** One line per target, each with the measured value and whether it is met; empty without run (f). */
    String lines(List<RunGroup> groups) {
        RunGroup f = find(groups, RUN);
        if (f == null) {
            return "";
        }
        RunGroup a = find(groups, "a");
        double p95 = f.p95OverFloor(groups);
        double be = a == null ? Double.NaN : f.bePerHour() / a.bePerHour();
        StringBuilder sb = new StringBuilder();
        String head = "target (" + traceName + ", run (" + RUN + ")): ";
        sb.append(line(head + String.format(Locale.ROOT, "RT TTFT p95 <= %.2fx the floor", p95OverFloor),
                String.format(Locale.ROOT, "%.2fx", p95), p95 <= p95OverFloor, Double.isNaN(p95)));
        sb.append(line(head + String.format(Locale.ROOT, "BE/hour >= %.0f%% of (a)'s", beShare * 100),
                String.format(Locale.ROOT, "%.2f%%", be * 100), be >= beShare, Double.isNaN(be)));
        if (!Double.isNaN(wastedBelow)) {
            double w = f.wasted();
            sb.append(line(head + String.format(Locale.ROOT, "wasted < %.0f%%", wastedBelow * 100),
                    String.format(Locale.ROOT, "%.1f%%", w * 100), w < wastedBelow, Double.isNaN(w)));
        }
        return sb.toString();
    }

    private static String line(String target, String measured, boolean met, boolean unknown) {
        return target + ": " + (unknown ? "- -> unknown (a run is missing)" : measured + " -> " + (met ? "met" : "NOT met"))
                + "\n";
    }

    private static RunGroup find(List<RunGroup> groups, String id) {
        return groups.stream().filter(g -> g.spec().id().equals(id)).findFirst().orElse(null);
    }
}
