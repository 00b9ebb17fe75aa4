package dev.rtbe.agent.http.jdk.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.http.AdviceOutcome;
import dev.rtbe.agent.pool.Pool;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimulatorConfig;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JDK adapter's resuming send, called as the advice calls it (no agent installed), against the
 * simulator: whatever body handler the application uses, it gets the non-streaming body; the
 * request's timeout bounds the whole answer; a call preempted in the middle is continued, sent
 * with {@code send} or {@code sendAsync}; an async call cancelled while it waits for its slot again
 * ends there. (Without the agent installed, {@code send} runs its attempts as {@code sendAsync} does.)
 */
class ResumingSendTest {
    private static final String BODY = "{\"model\":\"llama3.2:latest\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Summarise the news.\"}],\"stream\":false}";

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private OllamaSimulator sim;
    private AgentRuntime runtime;

    @BeforeEach
    void start() throws Exception {
        sim = OllamaSimulator.start(SimulatorConfig.builder().slots(2).build());
        runtime = new AgentRuntime(new SettingsLoader(Map.of("rtbe.endpoints", "127.0.0.1:" + sim.port(),
                "rtbe.slots.total", "1", "rtbe.preemption", "transparent", "rtbe.log.calls", "true"), "", Map.of(),
                path -> {
                    throw new NoSuchFileException(path);
                }).load(), SchedulerClock.system(), new AgentLog(new PrintStream(log, true, StandardCharsets.UTF_8)));
        AgentRuntime.install(runtime);
    }

    @AfterEach
    void stop() {
        AgentRuntime.install(null);
        sim.close();
    }

    private HttpRequest.Builder chat(int tokens, int genMs) {
        return HttpRequest.newBuilder(URI.create(sim.baseUri() + "/api/chat"))
                .header("X-Sim-Prefill-Ms", "10").header("X-Sim-Gen-Ms", Integer.toString(genMs))
                .header("X-Sim-Output-Tokens", Integer.toString(tokens))
                .POST(HttpRequest.BodyPublishers.ofString(BODY));
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        AdviceOutcome outcome = (AdviceOutcome) JdkHttpClientHooks.send(client, request, handler);
        assertNull(outcome.error, () -> String.valueOf(outcome.error));
        @SuppressWarnings("unchecked")
        HttpResponse<T> response = (HttpResponse<T>) outcome.value;
        return response;
    }

    private String reference(int tokens) throws Exception {
        return client.send(chat(tokens, 10).header("X-Test-Id", "reference").build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static String text(String body) {
        return body.replaceAll("^.*\"content\":\"([^\"]*)\".*$", "$1");
    }

    private long inFlight() {
        return runtime.pools().pools().stream().mapToLong(p -> p.snapshot().inFlight()).sum();
    }

    @Test
    void everyBodyHandlerGetsTheNonStreamingBody() throws Exception {
        String expected = text(reference(20));
        HttpResponse<String> s = send(chat(20, 10).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expected, text(s.body()));
        assertTrue(s.body().startsWith("{\"model\":\"llama3.2:latest\",\"created_at\":"), s.body());
        assertEquals("application/json; charset=utf-8", s.headers().firstValue("Content-Type").orElse(null));
        assertEquals(Integer.toString(s.body().getBytes(StandardCharsets.UTF_8).length),
                s.headers().firstValue("content-length").orElse(null));
        assertTrue(s.headers().firstValue("Transfer-Encoding").isEmpty());
        assertEquals(200, s.statusCode());
        assertEquals(s.request().uri(), s.uri());
        byte[] bytes = send(chat(20, 10).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        assertEquals(expected, text(new String(bytes, StandardCharsets.UTF_8)));
        try (InputStream in = send(chat(20, 10).build(), HttpResponse.BodyHandlers.ofInputStream()).body()) {
            assertEquals(expected, text(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
        List<String> lines = send(chat(20, 10).build(), HttpResponse.BodyHandlers.ofLines()).body()
                .collect(Collectors.toList());
        assertEquals(1, lines.size());
        assertEquals(expected, text(lines.get(0)));
        // As Spring's reactive JdkClientHttpConnector reads it: a publisher, through sendAsync.
        HttpResponse.BodySubscriber<String> reader = HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
        sendAsync(chat(20, 10).build(), HttpResponse.BodyHandlers.ofPublisher()).get(30, TimeUnit.SECONDS).body()
                .subscribe(reader);
        assertEquals(expected, text(reader.getBody().toCompletableFuture().get(30, TimeUnit.SECONDS)));
        List<RequestRecord> sent = sim.records().stream().filter(r -> r.header("X-Test-Id") == null).collect(Collectors.toList());
        assertEquals(5, sent.size(), sent::toString);
        assertTrue(sent.stream().allMatch(RequestRecord::stream), "each went out as a stream: " + sent);
        assertEquals(0, inFlight());
    }

    @Test
    void aCallThatAsksForACompressedAnswerGetsItUncompressedFromAStreamSentWithoutAcceptEncoding() throws Exception {
        String expected = text(reference(20));
        HttpResponse<String> r = send(chat(20, 10).header("Accept-Encoding", "gzip, deflate").header("X-Test-Id", "gz").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(expected, text(r.body()));
        assertTrue(r.headers().firstValue("Content-Encoding").isEmpty(), r.headers()::toString);
        RequestRecord sent = sim.records().stream().filter(x -> "gz".equals(x.header("X-Test-Id"))).findFirst().orElseThrow();
        assertTrue(sent.stream(), sent::toString);
        assertNull(sent.header("Accept-Encoding"), sent::toString);
        assertEquals(0, inFlight());
    }

    @Test
    void theRequestTimeoutBoundsTheWholeAnswer() throws Exception {
        HttpRequest slow = chat(100, 5_000).timeout(Duration.ofMillis(300)).build();
        AdviceOutcome outcome = (AdviceOutcome) JdkHttpClientHooks.send(client, slow, HttpResponse.BodyHandlers.ofString());
        assertInstanceOf(HttpTimeoutException.class, outcome.error);
        assertEquals(0, inFlight(), "the slot went back");
        sim.await(() -> sim.running() == 0, Duration.ofSeconds(10)); // the exchange was aborted on the wire
    }

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return (CompletableFuture<HttpResponse<T>>) JdkHttpClientHooks.sendAsync(client, request, handler, null);
    }

    /** Takes the running batch call's slot for an RT call, once the server has generated {@code tokens} of it. */
    private Permit preemptAfter(String testId, int tokens) throws Exception {
        sim.await(() -> sim.records().stream().anyMatch(r -> testId.equals(r.header("X-Test-Id")) && r.evalCount() >= tokens),
                Duration.ofSeconds(20));
        Pool pool = runtime.pools().pools().stream().filter(p -> p.snapshot().inFlight() == 1).findFirst().orElseThrow();
        Permit rt = pool.scheduler().acquire(Priority.RT, Duration.ofSeconds(20));
        sim.await(() -> sim.running() == 0, Duration.ofSeconds(20)); // the cut attempt left the server
        return rt;
    }

    @ParameterizedTest
    @ValueSource(strings = {"send", "sendAsync"})
    void aCallPreemptedInTheMiddleIsContinuedToTheUninterruptedAnswer(String how) throws Exception {
        String expected = text(reference(100));
        HttpRequest request = chat(100, 2_000).header("X-Test-Id", "be").build();
        CompletableFuture<HttpResponse<String>> batch = how.equals("sendAsync")
                ? sendAsync(request, HttpResponse.BodyHandlers.ofString())
                : CompletableFuture.supplyAsync(() -> send(request, HttpResponse.BodyHandlers.ofString()));
        Permit rt = preemptAfter("be", 10);
        assertTrue(!batch.isDone(), "the application sees nothing of the cut attempt");
        rt.release();
        HttpResponse<String> r = batch.get(30, TimeUnit.SECONDS);
        assertEquals(expected, text(r.body()));
        assertTrue(r.body().contains("\"eval_count\":100,"), r.body());
        List<RequestRecord> attempts = sim.records().stream().filter(x -> "be".equals(x.header("X-Test-Id")))
                .collect(Collectors.toList());
        assertEquals(2, attempts.size(), attempts::toString);
        assertTrue(attempts.get(1).evalCount() < 100, "continued, not restarted: " + attempts);
        assertEquals(1, runtime.pools().pools().stream().mapToLong(p -> p.snapshot().preemptions()).sum());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains(" preempted=1 "), log::toString);
        assertEquals(0, inFlight());
    }

    @Test
    void cancellingAnAsynchronousCallWaitingForItsSlotAgainEndsItAndFreesEverything() throws Exception {
        CompletableFuture<HttpResponse<String>> batch = sendAsync(chat(100, 2_000).header("X-Test-Id", "be").build(),
                HttpResponse.BodyHandlers.ofString());
        Permit rt = preemptAfter("be", 10);
        Pool pool = runtime.pools().pools().stream().filter(p -> p.snapshot().preemptions() == 1).findFirst().orElseThrow();
        sim.await(() -> pool.snapshot().queued(Priority.BE) == 1, Duration.ofSeconds(20)); // waits for its slot again
        assertTrue(batch.cancel(true));
        assertEquals(0, pool.snapshot().queued(Priority.BE), "it left the queue");
        rt.release();
        assertEquals(0, inFlight(), "the slot RT gave back stays free");
        HttpResponse<String> after = send(chat(5, 10).header("X-Test-Id", "after").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, after.statusCode());
        assertEquals(1, sim.records().stream().filter(x -> "be".equals(x.header("X-Test-Id"))).count(),
                "the cancelled call never went out again");
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("outcome=cancelled"), log::toString);
        assertEquals(0, inFlight());
    }
}
