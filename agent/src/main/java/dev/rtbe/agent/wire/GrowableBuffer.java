package dev.rtbe.agent.wire;

/** A byte buffer that grows lazily (most frames are small) up to a hard cap. */
final class GrowableBuffer {
    private static final byte[] EMPTY = new byte[0];

    private final int cap;
    private byte[] bytes = EMPTY;
    private int length;

    GrowableBuffer(int cap) {
        this.cap = Math.max(1, cap);
    }

    /** @return false (and appends nothing) when the result would exceed the cap */
    boolean append(byte[] b, int off, int len) {
        if (len > cap - length) {
            return false;
        }
        if (length + len > bytes.length) {
            int size = Math.max(Math.max(256, bytes.length * 2), length + len);
            byte[] grown = new byte[Math.min(cap, size)];
            System.arraycopy(bytes, 0, grown, 0, length);
            bytes = grown;
        }
        System.arraycopy(b, off, bytes, length, len);
        length += len;
        return true;
    }

    boolean append(byte b) {
        if (length == cap) {
            return false;
        }
        if (length == bytes.length) {
            byte[] one = {b};
            return append(one, 0, 1);
        }
        bytes[length++] = b;
        return true;
    }

    int remaining() {
        return cap - length;
    }

    byte[] bytes() {
        return bytes;
    }

    int length() {
        return length;
    }

    void clear() {
        length = 0;
    }
}
