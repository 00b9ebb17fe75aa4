package dev.rtbe.simulator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Test client on the JDK HttpClient (default version HTTP_2, so every request carries "Upgrade: h2c"). */
final class SimClient {
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final URI base;

    SimClient(OllamaSimulator sim) {
        this.base = sim.baseUri();
    }

    HttpRequest.Builder request(String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return b;
    }

    HttpResponse<String> post(String path, String json, String... headers) throws IOException, InterruptedException {
        return http.send(request(path, json, headers).build(), HttpResponse.BodyHandlers.ofString());
    }

    CompletableFuture<HttpResponse<String>> postAsync(String path, String json, String... headers) {
        return http.sendAsync(request(path, json, headers).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<InputStream> open(String path, String json, String... headers) throws IOException, InterruptedException {
        return http.send(request(path, json, headers).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static BufferedReader lines(HttpResponse<InputStream> r) {
        return new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(String json) {
        try {
            return (Map<String, Object>) Json.parse(json);
        } catch (Json.ParseException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    /** The NDJSON lines of a body as objects. */
    static List<Map<String, Object>> ndjson(String body) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : body.split("\n")) if (!line.isEmpty()) out.add(obj(line));
        return out;
    }

    static long num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number)) throw new AssertionError("missing number " + key + " in " + m);
        return ((Number) v).longValue();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return (List<Object>) o;
    }
}
