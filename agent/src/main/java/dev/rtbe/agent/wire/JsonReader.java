package dev.rtbe.agent.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Strict pull tokenizer for one JSON document (RFC 8259) held in a byte range.
 *
 * <p>It materialises only what the caller asks for: skipped values are validated but never
 * decoded, and object names are matched against byte keys, so a typical stream chunk is parsed
 * without allocating. Strings are decoded as UTF-8 (malformed sequences become U+FFFD; lone
 * surrogate escapes are accepted, as the RFC grammar allows). Nesting is capped at
 * {@link #MAX_DEPTH}. Not thread-safe; reuse one instance per stream via {@link #reset}.
 */
final class JsonReader {
    enum Token { BEGIN_OBJECT, END_OBJECT, BEGIN_ARRAY, END_ARRAY, NAME, STRING, NUMBER, TRUE, FALSE, NULL, END_DOCUMENT }

    static final int MAX_DEPTH = 64;

    // What the innermost open scope expects next.
    private static final int EMPTY_DOCUMENT = 0;
    private static final int NONEMPTY_DOCUMENT = 1;
    private static final int EMPTY_ARRAY = 2;
    private static final int NONEMPTY_ARRAY = 3;
    private static final int EMPTY_OBJECT = 4;
    private static final int DANGLING_NAME = 5;
    private static final int NONEMPTY_OBJECT = 6;

    private static final byte[] NO_BYTES = new byte[0];

    /** Grown on demand up to MAX_DEPTH + 1: most documents nest a few levels, and a reader is made per call. */
    private int[] scopes = new int[8];
    private int depth;
    private byte[] buf = NO_BYTES;
    private int pos;
    private int end;
    /** The token found by peek() and not yet consumed. STRING/NAME/NUMBER leave pos at their first byte. */
    private Token peeked;

    JsonReader reset(byte[] bytes, int off, int len) {
        buf = bytes;
        pos = off;
        end = off + len;
        depth = 1;
        scopes[0] = EMPTY_DOCUMENT;
        peeked = null;
        return this;
    }

    /** Object names as UTF-8 bytes, for {@link #nextName(byte[][])}. */
    static byte[][] keys(String... names) {
        byte[][] keys = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            keys[i] = names[i].getBytes(StandardCharsets.UTF_8);
        }
        return keys;
    }

    Token peek() throws JsonException {
        if (peeked == null) {
            peeked = scan();
        }
        return peeked;
    }

    void beginObject() throws JsonException {
        consume(Token.BEGIN_OBJECT);
        push(EMPTY_OBJECT);
    }

    void endObject() throws JsonException {
        consume(Token.END_OBJECT);
        depth--;
    }

    void beginArray() throws JsonException {
        consume(Token.BEGIN_ARRAY);
        push(EMPTY_ARRAY);
    }

    void endArray() throws JsonException {
        consume(Token.END_ARRAY);
        depth--;
    }

    /** True while the current object or array has more members. */
    boolean hasNext() throws JsonException {
        Token t = peek();
        return t != Token.END_OBJECT && t != Token.END_ARRAY && t != Token.END_DOCUMENT;
    }

    String nextName() throws JsonException {
        consume(Token.NAME);
        return readString(true);
    }

    /** Consumes a name and returns its index in {@code keys}, or -1; allocation-free unless escaped. */
    int nextName(byte[][] keys) throws JsonException {
        consume(Token.NAME);
        int start = pos + 1;
        int p = start;
        while (p < end) {
            int c = buf[p] & 0xff;
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                return indexOf(keys, readString(true));
            }
            if (c < 0x20) {
                throw error("control character in string");
            }
            p++;
        }
        if (p >= end) {
            throw error("unterminated string");
        }
        pos = p + 1;
        int n = p - start;
        for (int k = 0; k < keys.length; k++) {
            if (keys[k].length == n && regionEquals(keys[k], start)) {
                return k;
            }
        }
        return -1;
    }

    String nextString() throws JsonException {
        consume(Token.STRING);
        return readString(true);
    }

    boolean nextBoolean() throws JsonException {
        Token t = peek();
        if (t != Token.TRUE && t != Token.FALSE) {
            throw error("expected boolean");
        }
        peeked = null;
        return t == Token.TRUE;
    }

    void nextNull() throws JsonException {
        consume(Token.NULL);
    }

    /** A number as long; {@code fallback} when it has a fraction or does not fit (e.g. 1.5, 1e30). */
    long nextLong(long fallback) throws JsonException {
        consume(Token.NUMBER);
        int start = pos;
        if (!scanNumber()) {
            double d = parseDouble(start);
            return d == Math.rint(d) && Math.abs(d) < 9.2e18 ? (long) d : fallback;
        }
        boolean negative = buf[start] == '-';
        long v = 0; // accumulated negatively so that Long.MIN_VALUE fits
        for (int i = negative ? start + 1 : start; i < pos; i++) {
            int digit = buf[i] - '0';
            if (v < (Long.MIN_VALUE + digit) / 10) {
                return fallback;
            }
            v = v * 10 - digit;
        }
        if (negative) {
            return v;
        }
        return v == Long.MIN_VALUE ? fallback : -v;
    }

    double nextDouble() throws JsonException {
        consume(Token.NUMBER);
        int start = pos;
        scanNumber();
        return parseDouble(start);
    }

    /** Skips (and validates) the next value, however deeply nested. */
    void skipValue() throws JsonException {
        int nested = 0;
        do {
            switch (peek()) {
                case BEGIN_OBJECT:
                    beginObject();
                    nested++;
                    break;
                case BEGIN_ARRAY:
                    beginArray();
                    nested++;
                    break;
                case END_OBJECT:
                    if (nested == 0) {
                        throw error("no value to skip");
                    }
                    endObject();
                    nested--;
                    break;
                case END_ARRAY:
                    if (nested == 0) {
                        throw error("no value to skip");
                    }
                    endArray();
                    nested--;
                    break;
                case NAME:
                case STRING:
                    peeked = null;
                    readString(false);
                    break;
                case NUMBER:
                    peeked = null;
                    scanNumber();
                    break;
                case END_DOCUMENT:
                    throw error("no value to skip");
                default: // literals were consumed by scan()
                    peeked = null;
                    break;
            }
        } while (nested > 0);
    }

    /**
     * Consumes the next value and returns its JSON text, cut to at most {@code maxBytes} bytes
     * (a cut may end inside a token or character: the text is for reading, not re-parsing).
     */
    String rawValue(int maxBytes) throws JsonException {
        Token t = peek();
        int start;
        switch (t) {
            case BEGIN_OBJECT:
            case BEGIN_ARRAY:
                start = pos - 1; // scan() stepped over the bracket
                break;
            case TRUE:
            case NULL:
                start = pos - 4;
                break;
            case FALSE:
                start = pos - 5;
                break;
            default:
                start = pos; // strings and numbers: at their first byte
                break;
        }
        skipValue();
        int len = Math.min(pos - start, Math.max(0, maxBytes));
        return new String(buf, start, len, StandardCharsets.UTF_8);
    }

    /** Fails unless only whitespace follows the top-level value. */
    void endDocument() throws JsonException {
        if (peek() != Token.END_DOCUMENT) {
            throw error("trailing data");
        }
    }

    // ---- lenient accessors: wrong-typed values are skipped rather than rejected ----

    /** The string value, or null (value skipped) when it is not a string. */
    String optString() throws JsonException {
        if (peek() == Token.STRING) {
            return nextString();
        }
        skipValue();
        return null;
    }

    /** True for a non-empty string; decides without decoding it. */
    boolean optNonEmptyString() throws JsonException {
        if (peek() != Token.STRING) {
            skipValue();
            return false;
        }
        peeked = null;
        int start = pos;
        readString(false);
        return pos - start > 2;
    }

    /** True for an array with at least one element; the array is skipped. */
    boolean optNonEmptyArray() throws JsonException {
        if (peek() != Token.BEGIN_ARRAY) {
            skipValue();
            return false;
        }
        beginArray();
        boolean nonEmpty = hasNext();
        while (hasNext()) {
            skipValue();
        }
        endArray();
        return nonEmpty;
    }

    boolean optTrue() throws JsonException {
        if (peek() == Token.TRUE) {
            peeked = null;
            return true;
        }
        skipValue();
        return false;
    }

    /** A number as long, or {@code fallback} when it is absent-like (not a number or not integral). */
    long optLong(long fallback) throws JsonException {
        if (peek() == Token.NUMBER) {
            return nextLong(fallback);
        }
        skipValue();
        return fallback;
    }

    // ---- scanning ----

    private Token scan() throws JsonException {
        int scope = scopes[depth - 1];
        int c;
        switch (scope) {
            case EMPTY_ARRAY:
                scopes[depth - 1] = NONEMPTY_ARRAY;
                if (skipWhitespace() == ']') {
                    pos++;
                    return Token.END_ARRAY;
                }
                return value();
            case NONEMPTY_ARRAY:
                c = skipWhitespace();
                if (c == ']') {
                    pos++;
                    return Token.END_ARRAY;
                }
                expect(c, ',');
                return value();
            case EMPTY_OBJECT:
            case NONEMPTY_OBJECT:
                c = skipWhitespace();
                if (c == '}') {
                    pos++;
                    return Token.END_OBJECT;
                }
                if (scope == NONEMPTY_OBJECT) {
                    expect(c, ',');
                    c = skipWhitespace();
                }
                if (c != '"') {
                    throw error("expected name");
                }
                scopes[depth - 1] = DANGLING_NAME;
                return Token.NAME;
            case DANGLING_NAME:
                expect(skipWhitespace(), ':');
                scopes[depth - 1] = NONEMPTY_OBJECT;
                return value();
            case EMPTY_DOCUMENT:
                scopes[depth - 1] = NONEMPTY_DOCUMENT;
                return value();
            default:
                if (skipWhitespace() != -1) {
                    throw error("trailing data");
                }
                return Token.END_DOCUMENT;
        }
    }

    private Token value() throws JsonException {
        int c = skipWhitespace();
        switch (c) {
            case '{':
                pos++;
                return Token.BEGIN_OBJECT;
            case '[':
                pos++;
                return Token.BEGIN_ARRAY;
            case '"':
                return Token.STRING;
            case 't':
                literal("true");
                return Token.TRUE;
            case 'f':
                literal("false");
                return Token.FALSE;
            case 'n':
                literal("null");
                return Token.NULL;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return Token.NUMBER;
                }
                throw error(c == -1 ? "unexpected end" : "unexpected character");
        }
    }

    private void literal(String word) throws JsonException {
        int n = word.length();
        if (end - pos < n) {
            throw error("bad literal");
        }
        for (int i = 0; i < n; i++) {
            if (buf[pos + i] != word.charAt(i)) {
                throw error("bad literal");
            }
        }
        pos += n; // a glued suffix ("truex") fails at the next scan
    }

    /** Advances over a number; returns true when it is a plain integer (no fraction or exponent). */
    private boolean scanNumber() throws JsonException {
        int p = pos;
        if (p < end && buf[p] == '-') {
            p++;
        }
        if (p >= end || !isDigit(buf[p])) {
            throw error("bad number");
        }
        if (buf[p] == '0') {
            p++; // no leading zeros: "01" fails at the next scan
        } else {
            p = digits(p);
        }
        boolean integral = true;
        if (p < end && buf[p] == '.') {
            integral = false;
            p++;
            if (p >= end || !isDigit(buf[p])) {
                throw error("bad fraction");
            }
            p = digits(p);
        }
        if (p < end && (buf[p] == 'e' || buf[p] == 'E')) {
            integral = false;
            p++;
            if (p < end && (buf[p] == '+' || buf[p] == '-')) {
                p++;
            }
            if (p >= end || !isDigit(buf[p])) {
                throw error("bad exponent");
            }
            p = digits(p);
        }
        pos = p;
        return integral;
    }

    private int digits(int p) {
        while (p < end && isDigit(buf[p])) {
            p++;
        }
        return p;
    }

    private double parseDouble(int start) {
        return Double.parseDouble(new String(buf, start, pos - start, StandardCharsets.ISO_8859_1));
    }

    /** Reads the string whose opening quote is at pos; decodes it only when {@code keep}. */
    private String readString(boolean keep) throws JsonException {
        int p = pos + 1;
        int runStart = p;
        StringBuilder sb = null;
        while (p < end) {
            int c = buf[p] & 0xff;
            if (c == '"') {
                pos = p + 1;
                if (!keep) {
                    return null;
                }
                String run = new String(buf, runStart, p - runStart, StandardCharsets.UTF_8);
                return sb == null ? run : sb.append(run).toString();
            }
            if (c < 0x20) {
                throw error("control character in string");
            }
            if (c != '\\') {
                p++;
                continue;
            }
            // A backslash is ASCII, so a raw run never ends inside a multi-byte character.
            if (keep) {
                if (sb == null) {
                    sb = new StringBuilder(p - runStart + 16);
                }
                sb.append(new String(buf, runStart, p - runStart, StandardCharsets.UTF_8));
            }
            if (++p >= end) {
                break;
            }
            char decoded;
            switch (buf[p]) {
                case '"': decoded = '"'; break;
                case '\\': decoded = '\\'; break;
                case '/': decoded = '/'; break;
                case 'b': decoded = '\b'; break;
                case 'f': decoded = '\f'; break;
                case 'n': decoded = '\n'; break;
                case 'r': decoded = '\r'; break;
                case 't': decoded = '\t'; break;
                case 'u':
                    decoded = hex4(p + 1);
                    p += 4;
                    break;
                default:
                    throw error("bad escape");
            }
            if (keep) {
                sb.append(decoded); // surrogate pairs arrive as two escapes and pair up in UTF-16
            }
            runStart = ++p;
        }
        throw error("unterminated string");
    }

    private char hex4(int p) throws JsonException {
        if (end - p < 4) {
            throw error("bad unicode escape");
        }
        int v = 0;
        for (int i = p; i < p + 4; i++) {
            int h = Character.digit(buf[i], 16);
            if (h < 0) {
                throw error("bad unicode escape");
            }
            v = (v << 4) | h;
        }
        return (char) v;
    }

    private int skipWhitespace() {
        while (pos < end) {
            byte c = buf[pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return c & 0xff;
            }
            pos++;
        }
        return -1;
    }

    private void expect(int c, char wanted) throws JsonException {
        if (c != wanted) {
            throw error("expected '" + wanted + "'");
        }
        pos++;
    }

    private void consume(Token wanted) throws JsonException {
        if (peek() != wanted) {
            throw error("expected " + wanted + " but was " + peeked);
        }
        peeked = null;
    }

    private void push(int scope) throws JsonException {
        if (depth == scopes.length) {
            if (depth == MAX_DEPTH + 1) {
                throw error("nesting too deep");
            }
            scopes = Arrays.copyOf(scopes, Math.min(MAX_DEPTH + 1, depth * 2));
        }
        scopes[depth++] = scope;
    }

    private boolean regionEquals(byte[] key, int start) {
        for (int i = 0; i < key.length; i++) {
            if (buf[start + i] != key[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[][] keys, String name) {
        for (int k = 0; k < keys.length; k++) {
            if (name.equals(new String(keys[k], StandardCharsets.UTF_8))) {
                return k;
            }
        }
        return -1;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private JsonException error(String message) {
        return new JsonException(message + " at offset " + pos);
    }
}
