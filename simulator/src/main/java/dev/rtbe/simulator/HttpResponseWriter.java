package dev.rtbe.simulator;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Writes one HTTP/1.1 response: a fixed-length body, or a chunked stream flushed per chunk so each NDJSON line or
 * SSE event reaches the client at once. Every response says {@code Connection: close}: one request per connection
 * keeps disconnect detection simple (any EOF on the socket means the client left).
 */
final class HttpResponseWriter {
    private final OutputStream out;
    private boolean committed;
    private boolean chunked;

    HttpResponseWriter(OutputStream out) {
        this.out = out;
    }

    boolean committed() {
        return committed;
    }

    /** Interim response for {@code Expect: 100-continue}; does not commit the final response. */
    void sendContinue() throws IOException {
        out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    void sendFixed(int status, String contentType, byte[] body, boolean headOnly) throws IOException {
        if (committed) throw new IllegalStateException("response already started");
        committed = true;
        StringBuilder h = head(status, contentType);
        h.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!headOnly) out.write(body);
        out.flush();
    }

    void sendText(int status, String contentType, String body) throws IOException {
        sendFixed(status, contentType, body.getBytes(StandardCharsets.UTF_8), false);
    }

    /** Writes the status line and headers of a chunked response; they go out with the first chunk. */
    void startChunked(int status, String contentType) throws IOException {
        if (committed) throw new IllegalStateException("response already started");
        committed = true;
        chunked = true;
        StringBuilder h = head(status, contentType);
        h.append("Transfer-Encoding: chunked\r\n\r\n");
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    void writeChunk(byte[] data) throws IOException {
        if (!chunked) throw new IllegalStateException("not a chunked response");
        if (data.length == 0) return; // a zero-length chunk would end the body
        out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(data);
        out.write('\r');
        out.write('\n');
        out.flush();
    }

    void endChunked() throws IOException {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static StringBuilder head(int status, String contentType) {
        StringBuilder h = new StringBuilder(160);
        h.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        h.append("Content-Type: ").append(contentType).append("\r\n");
        h.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC))).append("\r\n");
        h.append("Connection: close\r\n");
        return h;
    }

    private static String reason(int status) {
        switch (status) {
            case 200: return "OK";
            case 400: return "Bad Request";
            case 404: return "Not Found";
            case 405: return "Method Not Allowed";
            case 500: return "Internal Server Error";
            case 503: return "Service Unavailable";
            default: return "Status";
        }
    }
}
