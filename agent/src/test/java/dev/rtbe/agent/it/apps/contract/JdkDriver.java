package dev.rtbe.agent.it.apps.contract;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * {@code java.net.http.HttpClient}, {@code send} or {@code sendAsync}, with one kind of request
 * body: {@code string} (ofString), {@code bytes} (ofByteArray), {@code input-stream} (ofInputStream,
 * one-shot, no length) or {@code publisher} (fromPublisher, one-shot, no length).
 */
final class JdkDriver implements ClientDriver {
    private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
    private final boolean async;
    private final String bodyKind;

    JdkDriver(boolean async, String bodyKind) {
        this.async = async;
        this.bodyKind = bodyKind;
        body("{}"); // an unknown kind fails here, at start
    }

    @Override
    public String describe() {
        return "jdk " + (async ? "sendAsync" : "send") + " " + bodyKind + " " + Runtime.version();
    }

    private BodyPublisher body(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        switch (bodyKind) {
            case "string": return BodyPublishers.ofString(json);
            case "bytes": return BodyPublishers.ofByteArray(bytes);
            case "input-stream": return BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes));
            case "publisher": return BodyPublishers.fromPublisher(BodyPublishers.ofByteArray(bytes));
            default: throw new IllegalArgumentException("body kind " + bodyKind);
        }
    }

    @Override
    public String exchange(Call call, Read read, Canceller canceller) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(call.chatUrl()))
                .header("Content-Type", "application/json").POST(body(call.json()));
        if (call.priority() != null) {
            b.header("X-Rtbe-Priority", call.priority());
        }
        if (call.timeoutMs() > 0) {
            b.timeout(Duration.ofMillis(call.timeoutMs()));
        }
        HttpRequest request = b.build();
        if (read == Read.ALL) {
            return send(request, BodyHandlers.ofString(), canceller).body();
        }
        HttpResponse<InputStream> r = send(request, BodyHandlers.ofInputStream(), canceller);
        return Bodies.read(r.body(), read, r.body());
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, Canceller canceller)
            throws Exception {
        if (!async) {
            Thread caller = Thread.currentThread();
            canceller.set(caller::interrupt);
            return client.send(request, handler);
        }
        CompletableFuture<HttpResponse<T>> f = client.sendAsync(request, handler);
        canceller.set(() -> f.cancel(true));
        try {
            return f.get();
        } catch (Exception e) {
            throw Bodies.unwrap(e);
        }
    }
}
