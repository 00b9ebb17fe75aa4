package dev.rtbe.agent.wire;

/**
 * Turns Server-Sent Events lines into event payloads: {@code data:} values are joined with
 * {@code \n} and dispatched at the blank line that ends the event. Comments ({@code :...}) and
 * other fields ({@code event}, {@code id}, {@code retry}) are ignored. An event whose data
 * exceeds the cap is dropped. Unlike a browser, a final event without its blank line is still
 * dispatched at end of stream: leniency costs nothing here.
 */
final class SseDecoder implements FrameHandler {
    private final FrameHandler out;
    private final Reporter reporter;
    private final GrowableBuffer data;
    private boolean hasData;
    private boolean overflow;

    SseDecoder(int maxData, FrameHandler out, Reporter reporter) {
        this.out = out;
        this.reporter = reporter;
        this.data = new GrowableBuffer(maxData);
    }

    @Override
    public void onFrame(byte[] b, int off, int len) {
        if (len == 0) {
            dispatch();
            return;
        }
        if (b[off] == ':') {
            return;
        }
        int end = off + len;
        int colon = off;
        while (colon < end && b[colon] != ':') {
            colon++;
        }
        if (colon - off != 4 || b[off] != 'd' || b[off + 1] != 'a' || b[off + 2] != 't' || b[off + 3] != 'a') {
            return;
        }
        int value = colon < end ? colon + 1 : end;
        if (value < end && b[value] == ' ') {
            value++; // exactly one leading space is part of the syntax
        }
        if (overflow) {
            return;
        }
        boolean fits = (!hasData || data.append((byte) '\n')) && data.append(b, value, end - value);
        hasData = true;
        if (!fits) {
            overflow = true;
            reporter.inputSkipped();
        }
    }

    @Override
    public void onEnd() {
        dispatch();
        out.onEnd();
    }

    private void dispatch() {
        if (hasData && !overflow) {
            out.onFrame(data.bytes(), 0, data.length());
        }
        hasData = false;
        overflow = false;
        data.clear();
    }
}
