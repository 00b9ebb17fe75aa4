package dev.rtbe.agent.wire;

/**
 * Reads the slot count from llama.cpp server's status bodies (tools/server): {@code GET /props}
 * carries {@code "total_slots"} (its {@code -np}/{@code --parallel}), and {@code GET /slots} is an
 * array with one object per slot, each with {@code "id"} and {@code "is_processing"}. Lenient about
 * everything else; a body that is not what it should be reads as unknown (-1).
 */
public final class LlamaCppStatusJson {
    private static final byte[][] PROPS = JsonReader.keys("total_slots");
    private static final byte[][] SLOT = JsonReader.keys("id", "is_processing");

    private LlamaCppStatusJson() {
    }

    /** {@code total_slots} from a {@code /props} body, or -1 when absent, not a count >= 1, or not JSON. */
    public static int totalSlots(byte[] body, int off, int len) {
        JsonReader r = new JsonReader().reset(body, off, len);
        long total = -1;
        try {
            r.beginObject();
            while (r.hasNext()) {
                if (r.nextName(PROPS) == 0) {
                    total = r.optLong(-1);
                } else {
                    r.skipValue();
                }
            }
            r.endObject();
            r.endDocument();
        } catch (JsonException e) {
            return -1;
        }
        return total >= 1 && total <= Integer.MAX_VALUE ? (int) total : -1;
    }

    /**
     * From a {@code /slots} body: {@code {slots, processing}}, where processing counts the slots with
     * {@code "is_processing": true} and is -1 when some slot does not say; null when the body is not
     * a non-empty array of slot objects (each with a numeric {@code id}).
     */
    public static int[] slots(byte[] body, int off, int len) {
        JsonReader r = new JsonReader().reset(body, off, len);
        int count = 0;
        int processing = 0;
        try {
            r.beginArray();
            while (r.hasNext()) {
                if (r.peek() != JsonReader.Token.BEGIN_OBJECT) {
                    return null;
                }
                boolean hasId = false;
                int busy = -1;
                r.beginObject();
                while (r.hasNext()) {
                    switch (r.nextName(SLOT)) {
                        case 0:
                            hasId = r.peek() == JsonReader.Token.NUMBER;
                            r.skipValue();
                            break;
                        case 1:
                            JsonReader.Token t = r.peek();
                            busy = t == JsonReader.Token.TRUE ? 1 : t == JsonReader.Token.FALSE ? 0 : -1;
                            r.skipValue();
                            break;
                        default:
                            r.skipValue();
                            break;
                    }
                }
                r.endObject();
                if (!hasId) {
                    return null;
                }
                count++;
                processing = busy < 0 || processing < 0 ? -1 : processing + busy;
            }
            r.endArray();
            r.endDocument();
        } catch (JsonException e) {
            return null;
        }
        return count == 0 ? null : new int[] {count, processing};
    }
}
