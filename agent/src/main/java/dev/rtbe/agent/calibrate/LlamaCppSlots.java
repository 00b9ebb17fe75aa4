package dev.rtbe.agent.calibrate;

import dev.rtbe.agent.wire.LlamaCppStatusJson;
import java.nio.charset.StandardCharsets;

/**
 * The slots an OpenAI-compatible llama.cpp server publishes about itself: {@code GET /props}
 * ({@code total_slots}) or {@code GET /slots} (one entry per slot). Such a pool needs no learning:
 * its N is read directly. Immutable.
 */
public final class LlamaCppSlots {
    public static final int UNKNOWN = -1;
    private static final LlamaCppSlots NONE = new LlamaCppSlots(UNKNOWN, UNKNOWN, "unknown");

    private final int total;
    private final int processing;
    private final String source;

    private LlamaCppSlots(int total, int processing, String source) {
        this.total = total;
        this.processing = processing;
        this.source = source;
    }

    public static LlamaCppSlots unknown() {
        return NONE;
    }

    /** From a {@code /props} body. */
    public static LlamaCppSlots fromProps(byte[] body) {
        int total = body == null ? UNKNOWN : LlamaCppStatusJson.totalSlots(body, 0, body.length);
        return total < 1 ? NONE : new LlamaCppSlots(total, UNKNOWN, "/props");
    }

    public static LlamaCppSlots fromProps(String body) {
        return fromProps(body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    /** From a {@code /slots} body. */
    public static LlamaCppSlots fromSlots(byte[] body) {
        int[] slots = body == null ? null : LlamaCppStatusJson.slots(body, 0, body.length);
        return slots == null ? NONE : new LlamaCppSlots(slots[0], slots[1], "/slots");
    }

    public static LlamaCppSlots fromSlots(String body) {
        return fromSlots(body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    public boolean known() {
        return total >= 1;
    }

    /** The server's parallel slots (its {@code -np}), or {@link #UNKNOWN}. */
    public int total() {
        return total;
    }

    /** Slots busy when read (from {@code /slots} only), or {@link #UNKNOWN}. */
    public int processing() {
        return processing;
    }

    @Override
    public String toString() {
        return known() ? total + " slots (" + source + (processing >= 0 ? ", " + processing + " busy" : "") + ")"
                : "slots unknown";
    }
}
