package dev.rtbe.sample.demo;

import dev.rtbe.simulator.Outcome;
import dev.rtbe.simulator.RequestRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

/**
 * A run's slot occupancy from the simulator's records, with the slot time each attempt threw away. An attempt the
 * agent aborted (the server saw the disconnect, or, a race, finished it while the call was already sent again)
 * wastes its whole slot time when the call starts again from zero. When the next attempt continues its output (a
 * trailing assistant message: {@link RequestRecord#continuedTokens()}), the tokens it kept are not wasted: only
 * its prefill (slot start to first token, done again by the next attempt) and the generation after the last kept
 * token (tokens cut off, and the decode step in progress).
 */
final class ServerSpans {

    /**
     * The spans of the replayed calls' attempts in unscaled seconds from the replay's start, which is
     * {@code offsetNs} on the simulator's clock; {@code scale} the run's time scale.
     */
    static List<RunResult.SlotSpan> of(List<RequestRecord> records, double offsetNs, double scale) {
        LongToDoubleFunction unscaled = t -> t < 0 ? Double.NaN : (t - offsetNs) * scale / 1e9;
        Map<String, List<RequestRecord>> byCall = new LinkedHashMap<>();
        for (RequestRecord r : records) {
            String id = r.header("X-Demo-Id");
            if (id != null && !id.equals("warmup") && !id.equals("calibration") && r.started()) {
                byCall.computeIfAbsent(id, k -> new ArrayList<>()).add(r);
            }
        }
        List<RunResult.SlotSpan> spans = new ArrayList<>();
        byCall.forEach((id, attempts) -> {
            attempts.sort(Comparator.comparingLong(RequestRecord::startNanos));
            for (int i = 0; i < attempts.size(); i++) {
                RequestRecord r = attempts.get(i);
                RequestRecord next = i + 1 < attempts.size() ? attempts.get(i + 1) : null;
                boolean aborted = r.outcome() == Outcome.DISCONNECTED || next != null;
                long end = r.endNanos() >= 0 ? r.endNanos() : r.disconnectNanos();
                double wasted = aborted && end >= 0 ? wastedNanos(r, next, end) * scale / 1e9 : 0;
                spans.add(new RunResult.SlotSpan(id, id.substring(0, 2), unscaled.applyAsDouble(r.arrivalNanos()),
                        unscaled.applyAsDouble(r.startNanos()), unscaled.applyAsDouble(end), aborted, wasted));
            }
        });
        return spans;
    }

    /** Simulator nanoseconds of {@code r}'s slot time that {@code next} (or nothing) did not build on. */
    static long wastedNanos(RequestRecord r, RequestRecord next, long end) {
        int kept = next == null ? 0 : Math.min(r.evalCount(), next.continuedTokens() - r.continuedTokens());
        if (kept <= 0 || r.firstTokenNanos() < 0) {
            return end - r.startNanos();
        }
        long lastKept = kept == r.evalCount() || r.evalCount() < 2 ? r.lastTokenNanos()
                : r.firstTokenNanos() + (r.lastTokenNanos() - r.firstTokenNanos()) * (kept - 1) / (r.evalCount() - 1);
        return (r.firstTokenNanos() - r.startNanos()) + Math.max(0, end - lastKept);
    }

    private ServerSpans() {}
}
