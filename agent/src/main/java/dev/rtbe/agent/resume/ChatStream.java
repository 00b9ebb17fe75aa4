package dev.rtbe.agent.resume;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * One attempt's streamed answer, read as it arrives: the text and its token count so far, whether
 * the answer is plain text (continuable), and at its end what the non-streaming body is built
 * from. Lines are cut at {@code \n}; a subclass reads one line at a time. Not thread-safe: the
 * HTTP client delivers one body's bytes in order, on one thread at a time.
 */
public abstract class ChatStream {
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final StringBuilder content = new StringBuilder();
    private volatile long tokens;
    private boolean plainText = true;
    private byte[] error;
    private long firstNanos;
    private long lastNanos;

    ChatStream() {}

    public final void onBytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        while (b.hasRemaining()) {
            byte c = b.get();
            if (c == '\n') {
                endLine();
            } else {
                line.write(c);
            }
        }
    }

    public final void onBytes(byte[] bytes) {
        onBytes(ByteBuffer.wrap(bytes));
    }

    /** The body ended: a last line without a newline still counts. */
    public final void onEnd() {
        if (line.size() > 0) {
            endLine();
        }
    }

    private void endLine() {
        String text = new String(line.toByteArray(), StandardCharsets.UTF_8);
        line.reset();
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        if (!text.trim().isEmpty()) {
            onLine(text);
        }
    }

    /** One line of the stream (never blank). */
    abstract void onLine(String line);

    /** Some new answer text: one chunk, counted as one token (what Ollama streams per token). */
    final void content(String delta) {
        if (delta != null && !delta.isEmpty()) {
            long now = System.nanoTime();
            if (tokens == 0) {
                firstNanos = now;
            }
            lastNanos = now;
            content.append(delta);
            tokens++;
        }
    }

    /** Something else than plain text (thinking, tool calls): the answer may not be continued. */
    final void notPlainText() {
        plainText = false;
    }

    /** The server reported an error in the stream; {@code body} is what a non-streaming call gets. */
    final void error(byte[] body) {
        error = body;
    }

    /** Parses one JSON line; null when it is not an object. */
    static Map<String, Object> object(String json) {
        try {
            return Json.object(Json.parse(json));
        } catch (Json.ParseException e) {
            return null;
        }
    }

    public final String text() {
        return content.toString();
    }

    /** Content chunks so far: the tokens generated, as near as the stream tells. */
    public final long tokens() {
        return tokens;
    }

    /** True while the answer is plain text only: it may be continued. */
    public final boolean plainText() {
        return plainText;
    }

    /** When the first and the latest token arrived ({@link System#nanoTime()}); 0 before any. */
    final long firstNanos() {
        return firstNanos;
    }

    final long lastNanos() {
        return lastNanos;
    }

    /** The error body the server streamed, or null. */
    public final byte[] errorBody() {
        return error;
    }

    /** True once the stream carried its final chunk: the answer is whole. */
    public abstract boolean finished();

    /**
     * The non-streaming body a server gives for the whole answer: {@code kept} joined with this
     * attempt, statistics summed over the attempts. Only once {@link #finished()}.
     */
    public abstract byte[] assemble(KeptOutput kept);

    /** The Content-Type of the non-streaming body (Ollama writes every JSON body with gin's). */
    public static final String JSON_CONTENT_TYPE = "application/json; charset=utf-8";

    /**
     * Whether a response is a stream the agent can read as the answer it asked for: 200, not
     * compressed, NDJSON or server-sent events. A null header is an absent one.
     */
    public static boolean isReadableStream(int status, String contentType, String contentEncoding) {
        if (status != 200 || contentType == null
                || (contentEncoding != null && !contentEncoding.equalsIgnoreCase("identity"))) {
            return false;
        }
        String type = contentType.toLowerCase(Locale.ROOT);
        return type.startsWith("application/x-ndjson") || type.startsWith("text/event-stream");
    }
}
