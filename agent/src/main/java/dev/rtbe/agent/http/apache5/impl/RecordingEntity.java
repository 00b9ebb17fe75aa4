package dev.rtbe.agent.http.apache5.impl;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Consumer;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;

/**
 * A classic request body that cannot simply be sent again (one-shot, or larger than what the
 * agent reads to classify), copied as the client writes it, up to a limit: once it is written
 * whole within the limit, {@code whole} gets the copy and the attempt may be sent again from it.
 */
final class RecordingEntity extends HttpEntityWrapper {
    private final int maxBytes;
    private final Consumer<byte[]> whole;

    RecordingEntity(HttpEntity wrapped, int maxBytes, Consumer<byte[]> whole) {
        super(wrapped);
        this.maxBytes = maxBytes;
        this.whole = whole;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        boolean[] over = new boolean[1];
        super.writeTo(new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                if (!over[0] && copy.size() + len <= maxBytes) {
                    copy.write(b, off, len);
                } else {
                    over[0] = true;
                }
            }
        });
        if (!over[0]) {
            whole.accept(copy.toByteArray());
        }
    }
}
