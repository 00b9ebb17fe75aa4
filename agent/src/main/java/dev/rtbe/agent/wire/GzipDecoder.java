package dev.rtbe.agent.wire;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates a gzip stream (RFC 1952, including concatenated members) for the stages after it.
 * It decodes a copy of what the application reads, never the application's own bytes. Memory is
 * bounded: the inflater's window plus a fixed output buffer. Bad input throws
 * {@link IllegalStateException}, which makes the watcher stop silently.
 */
final class GzipDecoder implements ByteSink {
    private static final int FTEXT_RESERVED = 0xe0;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;
    // Header parts in stream order; a part is visited only if its flag is set.
    private static final int FIXED = 0;
    private static final int EXTRA_LEN = 1;
    private static final int EXTRA = 2;
    private static final int NAME = 3;
    private static final int COMMENT = 4;
    private static final int HCRC = 5;
    private static final int BODY = 6;
    private static final int TRAILER = 7;
    private static final int FIXED_LEN = 10;
    private static final int TRAILER_LEN = 8;
    private static final byte[] NO_INPUT = new byte[0];

    private final ByteSink next;
    private final byte[] out = new byte[8192];
    private Inflater inflater = new Inflater(true);
    private int state = FIXED;
    private int count;
    private int flags;
    private int extraLen;

    GzipDecoder(ByteSink next) {
        this.next = next;
    }

    @Override
    public void accept(byte[] b, int off, int len) {
        if (inflater == null) {
            throw new IllegalStateException("gzip decoder released");
        }
        int p = off;
        int end = off + len;
        while (p < end) {
            if (state == BODY) {
                p = inflate(b, p, end);
            } else {
                header(b[p++] & 0xff);
            }
        }
    }

    @Override
    public void end() {
        if (state != FIXED || count != 0) {
            throw bad(); // ended inside a member: undecodable, so say nothing rather than guess
        }
        release();
        next.end();
    }

    @Override
    public void release() {
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
        next.release();
    }

    /** Consumes one header or trailer byte. */
    private void header(int c) {
        switch (state) {
            case FIXED:
                if ((count == 0 && c != 0x1f) || (count == 1 && c != 0x8b) || (count == 2 && c != 8)
                        || (count == 3 && (c & FTEXT_RESERVED) != 0)) {
                    throw bad();
                }
                if (count == 3) {
                    flags = c;
                }
                if (++count == FIXED_LEN) {
                    advance(FIXED);
                }
                break;
            case EXTRA_LEN:
                extraLen |= c << (8 * count);
                if (++count == 2) {
                    if (extraLen == 0) {
                        advance(EXTRA);
                    } else {
                        count = 0;
                        state = EXTRA;
                    }
                }
                break;
            case EXTRA:
                if (++count == extraLen) {
                    advance(EXTRA);
                }
                break;
            case NAME:
            case COMMENT:
                if (c == 0) {
                    advance(state);
                }
                break;
            case HCRC:
                if (++count == 2) {
                    advance(HCRC);
                }
                break;
            default: // TRAILER (CRC32 and size): not verified, the application checks its own copy
                if (++count == TRAILER_LEN) {
                    inflater.reset();
                    count = 0;
                    flags = 0;
                    extraLen = 0;
                    state = FIXED; // another member may follow
                }
                break;
        }
    }

    private void advance(int done) {
        count = 0;
        int s = done + 1;
        if (s == EXTRA) {
            s = NAME; // EXTRA follows EXTRA_LEN directly, never from the flag walk
        }
        if (s <= EXTRA_LEN && (flags & FEXTRA) != 0) {
            state = EXTRA_LEN;
        } else if (s <= NAME && (flags & FNAME) != 0) {
            state = NAME;
        } else if (s <= COMMENT && (flags & FCOMMENT) != 0) {
            state = COMMENT;
        } else if (s <= HCRC && (flags & FHCRC) != 0) {
            state = HCRC;
        } else {
            state = BODY;
        }
    }

    /** Inflates from b[p, end) and returns the first unconsumed index. */
    private int inflate(byte[] b, int p, int end) {
        inflater.setInput(b, p, end - p);
        try {
            while (true) {
                int n = inflater.inflate(out);
                if (n > 0) {
                    next.accept(out, 0, n);
                }
                if (inflater.finished()) {
                    int rest = end - inflater.getRemaining();
                    state = TRAILER;
                    count = 0;
                    return rest;
                }
                if (n == 0) {
                    if (inflater.needsInput()) {
                        return end;
                    }
                    throw bad(); // needs a dictionary: not valid gzip
                }
            }
        } catch (DataFormatException e) {
            throw bad();
        } finally {
            if (inflater != null) {
                inflater.setInput(NO_INPUT); // keep no reference to the application's buffer
            }
        }
    }

    private IllegalStateException bad() {
        release();
        return new IllegalStateException("not valid gzip");
    }
}
