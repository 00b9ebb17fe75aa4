package dev.rtbe.agent.wire;

/**
 * Collects a non-streaming JSON body (bounded) and parses it once complete. A body that is too
 * large or not valid JSON reports nothing: we cannot tell what it said.
 */
final class SingleBody implements ByteSink {
    private final GrowableBuffer body;
    private final ChunkParser parser;
    private final Reporter reporter;
    private boolean tooLarge;

    SingleBody(int maxBody, ChunkParser parser, Reporter reporter) {
        this.body = new GrowableBuffer(maxBody);
        this.parser = parser;
        this.reporter = reporter;
    }

    @Override
    public void accept(byte[] b, int off, int len) {
        if (!tooLarge && !body.append(b, off, len)) {
            tooLarge = true;
            body.clear();
        }
    }

    @Override
    public void end() {
        if (!tooLarge && body.length() > 0 && parser.parse(body.bytes(), 0, body.length())) {
            reporter.complete(); // no-op if the body carried an error or already completed
        }
    }
}
