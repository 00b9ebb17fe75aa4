package dev.rtbe.agent.wire;

/** Parses one JSON chunk of a given dialect and reports into a {@link Reporter}. */
interface ChunkParser extends FrameHandler {
    /** @return false when the chunk was not valid JSON (it is then ignored entirely) */
    boolean parse(byte[] b, int off, int len);

    @Override
    default void onFrame(byte[] b, int off, int len) {
        if (!isBlank(b, off, len)) {
            parse(b, off, len); // a malformed line is ignored; the next one may be fine
        }
    }

    static boolean isBlank(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte c = b[i];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return false;
            }
        }
        return true;
    }
}
