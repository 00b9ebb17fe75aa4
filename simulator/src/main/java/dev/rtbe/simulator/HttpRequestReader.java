package dev.rtbe.simulator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads one HTTP/1.1 request (request line, headers, Content-Length or chunked body). Upgrade headers such as the
 * JDK HttpClient's {@code Upgrade: h2c} are kept in the header map and otherwise ignored, so the exchange stays
 * HTTP/1.1 exactly as with Ollama's Go server.
 */
final class HttpRequestReader {
    static final int MAX_LINE = 64 * 1024;
    static final int MAX_BODY = 64 * 1024 * 1024;

    /** Malformed request; answered with 400 and the connection closed. */
    static final class BadRequest extends IOException {
        private static final long serialVersionUID = 1L;

        BadRequest(String m) {
            super(m);
        }
    }

    private HttpRequestReader() {}

    /** Sends the interim "100 Continue" a client may wait for before sending its body. */
    interface ContinueSender {
        void sendContinue() throws IOException;
    }

    /** Returns null when the peer closed the connection before sending a request line. */
    static HttpRequestData read(InputStream in, ContinueSender continueSender) throws IOException {
        String requestLine = readLine(in);
        while (requestLine != null && requestLine.isEmpty()) requestLine = readLine(in); // tolerate stray CRLF
        if (requestLine == null) return null;
        String[] parts = requestLine.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) throw new BadRequest("malformed request line");
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon <= 0) throw new BadRequest("malformed header");
            headers.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        if (line == null) throw new BadRequest("unexpected end of headers");
        String target = parts[1];
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q + 1);
        HttpRequestData partial = new HttpRequestData(parts[0], path, query, headers, new byte[0]);
        if ("100-continue".equalsIgnoreCase(partial.header("Expect"))) continueSender.sendContinue();
        return new HttpRequestData(parts[0], path, query, headers, readBody(in, partial));
    }

    private static byte[] readBody(InputStream in, HttpRequestData req) throws IOException {
        String te = req.header("Transfer-Encoding");
        if (te != null && te.toLowerCase().contains("chunked")) return readChunked(in);
        String cl = req.header("Content-Length");
        if (cl == null) return new byte[0];
        long len;
        try {
            len = Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
            throw new BadRequest("bad Content-Length");
        }
        if (len < 0 || len > MAX_BODY) throw new BadRequest("bad Content-Length");
        return readExactly(in, (int) len);
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            if (sizeLine == null) throw new BadRequest("truncated chunked body");
            int semi = sizeLine.indexOf(';');
            int size;
            try {
                size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new BadRequest("bad chunk size");
            }
            if (size == 0) {
                String trailer;
                while ((trailer = readLine(in)) != null && !trailer.isEmpty()) { /* trailers ignored */ }
                return body.toByteArray();
            }
            if (body.size() + size > MAX_BODY) throw new BadRequest("body too large");
            body.write(readExactly(in, size));
            readLine(in); // CRLF after chunk data
        }
    }

    private static byte[] readExactly(InputStream in, int len) throws IOException {
        byte[] b = in.readNBytes(len);
        if (b.length != len) throw new BadRequest("truncated body");
        return b;
    }

    /** An ISO-8859-1 line without its CRLF (or LF); null at EOF before any byte. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            if (buf.size() >= MAX_LINE) throw new BadRequest("line too long");
            buf.write(c);
        }
        if (c < 0 && buf.size() == 0) return null;
        byte[] b = buf.toByteArray();
        int n = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }
}
