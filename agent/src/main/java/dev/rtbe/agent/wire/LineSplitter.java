package dev.rtbe.agent.wire;

/**
 * Cuts a byte stream into lines ending in {@code \n} (a preceding {@code \r} is dropped).
 *
 * <p>A line that arrives whole inside one chunk is handed on in place, without copying; only a line
 * spanning chunks is buffered. A line longer than the cap is dropped (up to its newline) so
 * that memory stays bounded and the lines after it still parse.
 */
final class LineSplitter implements ByteSink {
    private final int maxLine;
    private final FrameHandler out;
    private final Reporter reporter;
    private final GrowableBuffer pending;
    private boolean skipping;

    LineSplitter(int maxLine, FrameHandler out, Reporter reporter) {
        this.maxLine = maxLine;
        this.out = out;
        this.reporter = reporter;
        this.pending = new GrowableBuffer(maxLine);
    }

    @Override
    public void accept(byte[] b, int off, int len) {
        int end = off + len;
        int start = off;
        while (start < end) {
            int nl = indexOfNewline(b, start, end);
            if (nl < 0) {
                buffer(b, start, end - start);
                return;
            }
            if (skipping) {
                skipping = false; // the over-long line ends here
            } else if (pending.length() == 0) {
                line(b, start, nl - start);
            } else {
                buffer(b, start, nl - start);
                if (!skipping) {
                    line(pending.bytes(), 0, pending.length());
                }
                skipping = false;
                pending.clear();
            }
            start = nl + 1;
        }
    }

    @Override
    public void end() {
        if (!skipping && pending.length() > 0) {
            line(pending.bytes(), 0, pending.length()); // last line without a newline
        }
        pending.clear();
        out.onEnd();
    }

    private void buffer(byte[] b, int off, int len) {
        if (!skipping && !pending.append(b, off, len)) {
            overLong();
        }
    }

    private void line(byte[] b, int off, int len) {
        if (len > maxLine) {
            overLong(); // same rule as the buffered path, so chunking never changes the outcome
            return;
        }
        if (len > 0 && b[off + len - 1] == '\r') {
            len--;
        }
        out.onFrame(b, off, len);
    }

    private void overLong() {
        skipping = true;
        pending.clear();
        reporter.inputSkipped();
    }

    private static int indexOfNewline(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
