package dev.rtbe.agent.wire;

import java.nio.charset.StandardCharsets;

/**
 * Collects the body of an error-status response (bounded; a long body keeps its head) and reports
 * its message: {@code {"error":"..."}}, {@code {"error":{"message":"..."}}}, plain text, or
 * {@code HTTP <status>} when the body says nothing usable.
 */
final class ErrorBody implements ByteSink {
    static final int MAX_MESSAGE_CHARS = 512;
    private static final byte[][] TOP = JsonReader.keys("error");
    private static final byte[][] NESTED = JsonReader.keys("message");

    private final GrowableBuffer body;
    private final int status;
    private final Reporter reporter;
    private boolean truncated;

    ErrorBody(int maxBody, int status, Reporter reporter) {
        this.body = new GrowableBuffer(maxBody);
        this.status = status;
        this.reporter = reporter;
    }

    @Override
    public void accept(byte[] b, int off, int len) {
        if (truncated) {
            return;
        }
        int room = Math.min(len, body.remaining());
        body.append(b, off, room);
        truncated = room < len;
    }

    @Override
    public void end() {
        reporter.fail(message());
    }

    private String message() {
        String fromJson = truncated ? null : jsonMessage(body.bytes(), body.length());
        if (fromJson != null) {
            return fromJson;
        }
        String text = new String(body.bytes(), 0, body.length(), StandardCharsets.UTF_8).trim();
        if (text.isEmpty() || text.charAt(0) == '{') {
            return "HTTP " + status;
        }
        return text.length() > MAX_MESSAGE_CHARS ? text.substring(0, MAX_MESSAGE_CHARS) : text;
    }

    private static String jsonMessage(byte[] b, int len) {
        JsonReader r = new JsonReader().reset(b, 0, len);
        try {
            String message = null;
            r.beginObject();
            while (r.hasNext()) {
                if (r.nextName(TOP) == 0) {
                    message = read(r);
                } else {
                    r.skipValue();
                }
            }
            r.endObject();
            r.endDocument();
            return message;
        } catch (JsonException e) {
            return null;
        }
    }

    /** Reads an {@code error} value in either dialect (null for JSON null); the reader sits on the value. */
    static String read(JsonReader r) throws JsonException {
        JsonReader.Token t = r.peek();
        if (t == JsonReader.Token.NULL) {
            r.nextNull();
            return null;
        }
        if (t == JsonReader.Token.STRING) {
            return r.nextString();
        }
        String message = null;
        if (t == JsonReader.Token.BEGIN_OBJECT) {
            r.beginObject();
            while (r.hasNext()) {
                if (r.nextName(NESTED) == 0) {
                    message = r.optString();
                } else {
                    r.skipValue();
                }
            }
            r.endObject();
        } else {
            r.skipValue();
        }
        return message == null || message.isEmpty() ? "error" : message;
    }
}
