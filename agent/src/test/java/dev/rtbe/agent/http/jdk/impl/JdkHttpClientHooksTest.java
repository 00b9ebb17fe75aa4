package dev.rtbe.agent.http.jdk.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.SchedulerClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The JDK adapter's entry points called as the advice calls them (no agent installed: the
 * re-invoked client method runs as is), against a local server that records what it received.
 */
class JdkHttpClientHooksTest {
    private static final byte[] STREAMING = "{\"model\":\"m1\",\"stream\":true,\"prompt\":\"hi\"}"
            .getBytes(StandardCharsets.UTF_8);

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final AtomicReference<byte[]> received = new AtomicReference<>();
    private final AtomicReference<String> framing = new AtomicReference<>();
    private HttpServer server;
    private AgentRuntime runtime;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/generate", exchange -> {
            received.set(exchange.getRequestBody().readAllBytes());
            String length = exchange.getRequestHeaders().getFirst("Content-Length");
            String chunked = exchange.getRequestHeaders().getFirst("Transfer-Encoding");
            framing.set(length != null ? "length " + length : "chunked " + chunked);
            byte[] answer = "{\"model\":\"m1\",\"response\":\"\",\"done\":true}\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        Settings s = new SettingsLoader(Map.of("rtbe.endpoints", "127.0.0.1:" + server.getAddress().getPort(),
                "rtbe.slots.total", "2", "rtbe.log.calls", "true"), "", Map.of(), path -> {
                    throw new NoSuchFileException(path);
                }).load();
        runtime = new AgentRuntime(s, SchedulerClock.system(),
                new AgentLog(new PrintStream(log, true, StandardCharsets.UTF_8)));
        AgentRuntime.install(runtime);
    }

    @AfterEach
    void stop() {
        AgentRuntime.install(null);
        server.stop(0);
    }

    /** Granted RT calls over every pool: a body that names its model goes to that model's pool. */
    private long grantedRt() {
        return runtime.pools().pools().stream().mapToLong(p -> p.snapshot().granted(Priority.RT)).sum();
    }

    private long inFlight() {
        return runtime.pools().pools().stream().mapToLong(p -> p.snapshot().inFlight()).sum();
    }

    private URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/generate");
    }

    @Test
    void aOneShotBodySentAsynchronouslyIsReadThenClassifiedAndTheServerGetsTheSameBytesChunked() throws Exception {
        SubmissionPublisher<ByteBuffer> body = new SubmissionPublisher<>(); // emits on its own threads
        HttpRequest request = HttpRequest.newBuilder(uri()).POST(HttpRequest.BodyPublishers.fromPublisher(body)).build();
        @SuppressWarnings("unchecked")
        CompletableFuture<HttpResponse<String>> response = (CompletableFuture<HttpResponse<String>>)
                JdkHttpClientHooks.sendAsync(client, request, HttpResponse.BodyHandlers.ofString(), null);
        body.submit(ByteBuffer.wrap(STREAMING, 0, 10));
        body.submit(ByteBuffer.wrap(STREAMING, 10, STREAMING.length - 10));
        body.close();
        assertEquals(200, response.get(10, TimeUnit.SECONDS).statusCode());
        assertArrayEquals(STREAMING, received.get());
        assertEquals("chunked chunked", framing.get(), "an unknown length goes out chunked, as the application sent it");
        assertEquals(1, grantedRt(), "the streaming rule saw the body");
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("by=streaming"), log::toString);
        assertEquals(0, inFlight());
    }

    @Test
    void aOneShotBodySentBlockingIsReadThenClassifiedAndTheServerGetsTheSameBytes() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri()).POST(HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofByteArray(STREAMING), STREAMING.length)).build();
        Object outcome = JdkHttpClientHooks.send(client, request, HttpResponse.BodyHandlers.ofString());
        dev.rtbe.agent.http.AdviceOutcome sent = (dev.rtbe.agent.http.AdviceOutcome) outcome;
        assertNull(sent.error);
        assertEquals(200, ((HttpResponse<?>) sent.value).statusCode());
        assertArrayEquals(STREAMING, received.get());
        assertEquals("length " + STREAMING.length, framing.get(), "a known length is kept");
        assertEquals(1, grantedRt());
    }

    @Test
    void cancellingWhileTheBodyIsReadStopsReadingAndTakesNoSlot() throws Exception {
        SubmissionPublisher<ByteBuffer> body = new SubmissionPublisher<>();
        CompletableFuture<Boolean> readingStopped = new CompletableFuture<>();
        Flow.Publisher<ByteBuffer> watched = subscriber -> body.subscribe(new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscriber.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                        s.request(n);
                    }

                    @Override
                    public void cancel() {
                        readingStopped.complete(true);
                        s.cancel();
                    }
                });
            }

            @Override
            public void onNext(ByteBuffer item) {
                subscriber.onNext(item);
            }

            @Override
            public void onError(Throwable throwable) {
                subscriber.onError(throwable);
            }

            @Override
            public void onComplete() {
                subscriber.onComplete();
            }
        });
        HttpRequest request = HttpRequest.newBuilder(uri()).POST(HttpRequest.BodyPublishers.fromPublisher(watched)).build();
        CompletableFuture<?> response = (CompletableFuture<?>)
                JdkHttpClientHooks.sendAsync(client, request, HttpResponse.BodyHandlers.ofString(), null);
        assertTrue(response.cancel(true));
        assertTrue(readingStopped.get(5, TimeUnit.SECONDS), "the body's subscription was cancelled");
        assertEquals(0, inFlight());
        assertNull(received.get(), "nothing was sent");
        body.close();
    }
}
