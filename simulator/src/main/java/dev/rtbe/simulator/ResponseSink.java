package dev.rtbe.simulator;

import java.io.IOException;

/** Where generated tokens go: straight to the client as a stream, or collected into one JSON body. */
interface ResponseSink {
    void token(String delta, int index) throws IOException;

    void finish(GenerationStats stats) throws IOException;

    static ResponseSink streaming(HttpResponseWriter out, WireFormat format) {
        return new ResponseSink() {
            @Override
            public void token(String delta, int index) throws IOException {
                // Headers go out with the first chunk, as Ollama's do: nothing is written while waiting.
                if (!out.committed()) out.startChunked(200, format.streamContentType());
                out.writeChunk(format.tokenFrame(delta, index));
            }

            @Override
            public void finish(GenerationStats stats) throws IOException {
                if (!out.committed()) out.startChunked(200, format.streamContentType());
                out.writeChunk(format.finalFrames(stats));
                out.endChunked();
            }
        };
    }

    static ResponseSink buffered(HttpResponseWriter out, WireFormat format) {
        return new ResponseSink() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public void token(String delta, int index) {
                text.append(delta);
            }

            @Override
            public void finish(GenerationStats stats) throws IOException {
                out.sendFixed(200, Frames.JSON, format.singleBody(text.toString(), stats), false);
            }
        };
    }
}
