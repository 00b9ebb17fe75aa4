package dev.rtbe.agent.http.reactornetty.impl;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * A copy of a request body's bytes as its buffers go by, for the classifier, up to a limit. The
 * buffers themselves are only read (their indexes and reference counts stay as they are); past
 * the limit nothing more is copied and the body counts as not read.
 */
final class BodyCopy {
    private final int maxBytes;
    private byte[] bytes = new byte[0];
    private int size;
    private long seen;

    BodyCopy(int maxBytes) {
        this.maxBytes = Math.max(0, maxBytes);
    }

    /** Copies the readable bytes of {@code content}; false once the body has passed the limit. */
    boolean add(ByteBuf content) {
        int n = content.readableBytes();
        seen += n;
        if (seen > maxBytes) {
            bytes = null; // passed the limit: what was copied is of no use
            return false;
        }
        if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(maxBytes, Math.max(size + n, 2L * bytes.length)));
        }
        content.getBytes(content.readerIndex(), bytes, size, n);
        size += n;
        return true;
    }

    boolean overLimit() {
        return seen > maxBytes;
    }

    /** How many body bytes went by, copied or not. */
    long seen() {
        return seen;
    }

    /** The whole body so far, or null when it passed the limit. */
    byte[] bytes() {
        return overLimit() ? null : size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
    }
}
