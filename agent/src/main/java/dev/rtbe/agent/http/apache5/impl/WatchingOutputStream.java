package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import java.io.IOException;
import java.io.OutputStream;

/** What {@code HttpEntity.writeTo} writes, shown to the call on its way to the application's stream. */
final class WatchingOutputStream extends OutputStream {
    private final OutputStream out;
    private final GatedCall call;

    /** {@code out} may be null: the client then discards the body, as it does itself. */
    WatchingOutputStream(OutputStream out, GatedCall call) {
        this.out = out;
        this.call = call;
    }

    @Override
    public void write(int b) throws IOException {
        call.onBytes(new byte[] {(byte) b}, 0, 1);
        if (out != null) {
            out.write(b);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        call.onBytes(b, off, len);
        if (out != null) {
            out.write(b, off, len);
        }
    }

    @Override
    public void flush() throws IOException {
        if (out != null) {
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
