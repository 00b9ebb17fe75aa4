package dev.rtbe.simulator;

import java.util.List;
import java.util.Map;

/**
 * Immutable snapshot of one generation request ({@code /api/generate}, {@code /api/chat},
 * {@code /v1/chat/completions}). Times are WALL-clock nanoseconds elapsed since the server started (scaled time,
 * System.nanoTime based), or -1 when the stage was not reached.
 *
 * @param id             1-based, in arrival order
 * @param path           request path, e.g. "/api/chat"
 * @param model          normalized model name, or the raw value / null when invalid
 * @param stream         whether the response was (to be) streamed
 * @param headers        a copy of the request headers; names are case-insensitive
 * @param arrivalNanos   request parsed
 * @param startNanos     slot acquired
 * @param firstTokenNanos first token generated (recorded just before it is written)
 * @param lastTokenNanos the latest token generated so far, or -1
 * @param endNanos       generation finished (the final write began), request failed, or the slot was freed after a
 *                       disconnect
 * @param disconnectNanos client disconnect seen, or -1
 * @param outcome        how it ended so far
 * @param status         HTTP status sent, or 0 before any
 * @param runningAtStart requests running right after this one got its slot, itself included
 * @param queueSeq       0-based order of entering the slot queue (-1 if it never did)
 * @param startSeq       0-based order of getting a slot (-1 if it never did)
 * @param promptTokens   modelled prompt tokens
 * @param evalCount      tokens generated so far
 * @param continuedTokens tokens of the answer given as a trailing assistant message that this request continues
 *                       (0 when it starts the answer afresh): the output of an earlier, cut attempt that was kept
 * @param error          error message sent, or null
 */
public record RequestRecord(
        long id,
        String path,
        String model,
        boolean stream,
        Map<String, List<String>> headers,
        long arrivalNanos,
        long startNanos,
        long firstTokenNanos,
        long lastTokenNanos,
        long endNanos,
        long disconnectNanos,
        Outcome outcome,
        int status,
        int runningAtStart,
        long queueSeq,
        long startSeq,
        int promptTokens,
        int evalCount,
        int continuedTokens,
        String error) {

    /** First value of a request header (case-insensitive), or null. */
    public String header(String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    public boolean started() {
        return startNanos >= 0;
    }

    public boolean finished() {
        return outcome != Outcome.IN_PROGRESS;
    }

    /** Wall nanoseconds from arrival to slot, or -1. */
    public long waitNanos() {
        return startNanos < 0 ? -1 : startNanos - arrivalNanos;
    }

    /** Wall nanoseconds from arrival to first token, or -1. */
    public long ttftNanos() {
        return firstTokenNanos < 0 ? -1 : firstTokenNanos - arrivalNanos;
    }
}
