package dev.rtbe.simulator;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** A parsed HTTP/1.1 request; header names are case-insensitive. */
record HttpRequestData(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
