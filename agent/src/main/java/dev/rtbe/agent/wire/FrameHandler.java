package dev.rtbe.agent.wire;

/** Receives one complete frame (a line, an SSE event's data, or a whole body) as a byte range. */
interface FrameHandler {
    void onFrame(byte[] b, int off, int len);

    /** End of input. */
    default void onEnd() {
    }
}
