package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.it.ResumablePreemptionIT.SimJson;
import dev.rtbe.agent.it.apps.ChildFirstLauncher;
import dev.rtbe.agent.it.apps.ReactorPreemptionApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.Outcome;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimulatorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Transparent and resumable preemption on Reactor Netty's {@code HttpClient} and Spring's
 * WebClient, in a forked JVM with the built agent: a stream preempts a long non-streaming batch
 * chat call at once; the batch call's connection is closed, and once it has a slot again it goes
 * out again on a new connection, continued (or, under {@code rtbe.preemption.resume=restart},
 * started again); the application's publisher sees one answer, the uninterrupted one.
 */
@Execution(ExecutionMode.CONCURRENT) // each case has its own simulator and JVM
class ReactorNettyPreemptionIT {
    private static final Pattern QUEUE_WAIT = Pattern.compile("queue_wait=([0-9.]+)");

    private OllamaSimulator sim;
    private ProgressProbe probe;
    private GateControl gates;

    @BeforeEach
    void start() throws Exception {
        sim = OllamaSimulator.start(SimulatorConfig.builder().slots(1).build()); // as many as the agent's N
        probe = ProgressProbe.of(sim, ProgressProbe.testId("be"));
        gates = new GateControl(sim);
    }

    @AfterEach
    void stop() {
        gates.close();
        probe.close();
        sim.close();
    }

    private List<RequestRecord> batchAttempts(String id) {
        return sim.records().stream().filter(r -> id.equals(r.header("X-Test-Id"))).collect(Collectors.toList());
    }

    private ForkedJvm.Result run(String scenario, String route, String client, String resume) {
        return run(null, scenario, route, client, resume);
    }

    /** {@code jars}: a directory of client jars the application runs on instead of the class path's; or null. */
    private ForkedJvm.Result run(Path jars, String scenario, String route, String client, String resume) {
        List<String> args = new ArrayList<>();
        if (jars != null) {
            args.add(jars.toString());
            args.add(ReactorPreemptionApp.class.getName());
        }
        args.addAll(List.of(scenario, sim.baseUri().toString(),
                probe.url(), route, client, gates.url()));
        ForkedJvm.Result r = new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + sim.port())
                .property("rtbe.slots.total", 1).property("rtbe.preemption", "transparent")
                .property("rtbe.preemption.resume", resume).property("rtbe.log.calls", true)
                .run(jars == null ? ReactorPreemptionApp.class : ChildFirstLauncher.class, args.toArray(new String[0]));
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.lines("ERROR").isEmpty(), r::toString);
        assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
        return r;
    }

    @ParameterizedTest(name = "{0} via {1}")
    @CsvSource({"chat,reactor-netty", "openai,reactor-netty", "chat,webclient", "openai,webclient"})
    void aPreemptedBatchCallIsContinuedAndThePublisherGetsTheUninterruptedAnswer(String route, String client) throws Exception {
        ForkedJvm.Result r = run("preempt", route, client, "continue");
        assertEquals("1", r.value("PREEMPTIONS"), r::toString);
        assertEquals("11", r.value("RT-LINES"), r::toString);
        assertRtWasNotKeptWaiting(r);

        // The server: a cut first attempt, then a continuation that generated only the rest.
        List<RequestRecord> attempts = batchAttempts("be");
        assertEquals(2, attempts.size(), attempts::toString);
        RequestRecord cut = attempts.get(0);
        RequestRecord rest = attempts.get(1);
        assertEquals(Outcome.DISCONNECTED, cut.outcome(), cut::toString);
        assertEquals(Outcome.COMPLETED, rest.outcome(), rest::toString);
        assertTrue(cut.stream() && rest.stream(), "both attempts went out as streams: " + attempts);
        assertTrue(cut.evalCount() >= 30, cut::toString);
        assertTrue(rest.evalCount() < ReactorPreemptionApp.TOKENS, "the second attempt continued: " + rest);
        RequestRecord rt = sim.records().stream().filter(x -> "rt".equals(x.header("X-Test-Id"))).findFirst().orElseThrow();
        assertTrue(rt.startNanos() < rest.startNanos(), "the stream ran first: " + sim.records());

        // The application: one non-streaming answer, the uninterrupted one.
        Map<String, Object> expected = uninterrupted(route);
        assertAnswer(r, "BE", route, expected);
        assertAnswer(r, "AGAIN", route, expected);
        assertTrue(batchAttempts("be-again").get(0).stream(), "an unpreempted call goes out as a stream too");

        HttpResponse<String> missing = HttpClient.newHttpClient().send(chat(route, "nosuch:latest"),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(Integer.toString(missing.statusCode()), r.value("MISSING-STATUS"), r::toString);
        assertEquals(missing.body(), decode(r.value("MISSING-BODY")), "an error reaches the application as it is");

        List<String> calls = batchCallLines(r);
        assertEquals(3, calls.size(), r::toString);
        assertTrue(calls.get(0).contains(" preempted=1 ") && calls.get(0).contains("outcome=completed"), calls::toString);
    }

    /** The oldest Reactor Netty the contract suite runs (its jars are copied with -Pclient-versions). */
    @ParameterizedTest(name = "{0} on Reactor Netty 1.2")
    @ValueSource(strings = {"continue", "restart"})
    void onTheOldestReactorNettyToo(String resume) throws Exception {
        Path jars = ForkedJvm.AGENT_JAR.getParent().resolve("client-versions/reactor-netty-oldest");
        Assumptions.assumeTrue(Files.isDirectory(jars), "run with -Pclient-versions");
        ForkedJvm.Result r = run(jars, "preempt", "chat", "reactor-netty", resume);
        assertEquals("1", r.value("PREEMPTIONS"), r::toString);
        List<RequestRecord> attempts = batchAttempts("be");
        assertEquals(2, attempts.size(), attempts::toString);
        assertEquals(Outcome.DISCONNECTED, attempts.get(0).outcome(), attempts::toString);
        assertAnswer(r, "BE", "chat", uninterrupted("chat"));
    }

    @ParameterizedTest(name = "via {0}")
    @ValueSource(strings = {"reactor-netty", "webclient"})
    void underRestartAPreemptedBatchCallIsSentAgainAsItWas(String client) throws Exception {
        ForkedJvm.Result r = run("preempt", "chat", client, "restart");
        assertEquals("1", r.value("PREEMPTIONS"), r::toString);
        assertEquals("11", r.value("RT-LINES"), r::toString);
        assertRtWasNotKeptWaiting(r);

        List<RequestRecord> attempts = batchAttempts("be");
        assertEquals(2, attempts.size(), attempts::toString);
        assertEquals(Outcome.DISCONNECTED, attempts.get(0).outcome(), attempts::toString);
        assertEquals(Outcome.COMPLETED, attempts.get(1).outcome(), attempts::toString);
        assertTrue(!attempts.get(0).stream() && !attempts.get(1).stream(), "sent as the application wrote it: " + attempts);
        assertEquals(ReactorPreemptionApp.TOKENS, attempts.get(1).evalCount(), "started again from zero");
        assertEquals(headers(attempts.get(0)), headers(attempts.get(1)), "the same headers: " + attempts);

        // The body is the server's own non-streaming answer to the attempt that was not cut.
        String body = decode(r.value("BE-BODY"));
        assertEquals("200", r.value("BE-STATUS"), r::toString);
        Map<String, Object> expected = uninterrupted("chat");
        assertEquals(SimJson.fieldPaths(expected), SimJson.fieldPaths(SimJson.object(body)), body);
        assertEquals(SimJson.object(expected.get("message")).get("content"),
                SimJson.object(SimJson.object(body).get("message")).get("content"));
        assertTrue(batchCallLines(r).get(0).contains(" preempted=1 "), r::toString);
    }

    @ParameterizedTest(name = "via {0}")
    @ValueSource(strings = {"reactor-netty", "webclient"})
    void disposingTheSubscriptionWhileTheCallWaitsAgainLeavesTheQueue(String client) throws Exception {
        ForkedJvm.Result r = run("dispose", "chat", client, "continue");
        assertEquals("1", r.value("PREEMPTIONS"), r::toString);
        assertEquals("1", r.value("RT-RUNNING-AFTER-DISPOSE"), "the batch call left while the stream still ran");
        assertEquals("11", r.value("RT-LINES"), r::toString);
        assertEquals("none", r.value("SIGNAL"), "a disposed subscription hears nothing");
        List<RequestRecord> attempts = batchAttempts("be");
        assertEquals(1, attempts.size(), "never sent again: " + attempts);
        List<String> calls = batchCallLines(r);
        assertEquals(1, calls.size(), r::toString);
        assertTrue(calls.get(0).contains("outcome=cancelled"), calls::toString);
    }

    /** A request's headers, names in lower case, without its framing (a re-sent body has a length). */
    private static Map<String, List<String>> headers(RequestRecord record) {
        Map<String, List<String>> out = new TreeMap<>();
        record.headers().forEach((name, values) -> out.put(name.toLowerCase(Locale.ROOT), values));
        out.remove("content-length");
        out.remove("transfer-encoding");
        return out;
    }

    private static List<String> batchCallLines(ForkedJvm.Result r) {
        return r.stderr().lines().filter(l -> l.startsWith("[rtbe] call BE")).collect(Collectors.toList());
    }

    /** The stream took the batch call's slot at once: it did not wait for the batch call's end. */
    private static void assertRtWasNotKeptWaiting(ForkedJvm.Result r) {
        String line = r.stderr().lines().filter(l -> l.startsWith("[rtbe] call RT")).findFirst().orElseThrow();
        Matcher m = QUEUE_WAIT.matcher(line);
        assertTrue(m.find(), line);
        // Else it would wait for the batch call, which pauses (keeping its slot) until it is preempted.
        assertTrue(Double.parseDouble(m.group(1)) < 1.0, line);
    }

    private void assertAnswer(ForkedJvm.Result r, String key, String route, Map<String, Object> expected) throws Exception {
        String body = decode(r.value(key + "-BODY"));
        assertEquals("200", r.value(key + "-STATUS"), r::toString);
        assertEquals("application/json; charset=utf-8", r.value(key + "-CONTENT-TYPE"), r::toString);
        assertEquals(r.value(key + "-BODY-LENGTH"), r.value(key + "-CONTENT-LENGTH"), r::toString);
        Map<String, Object> actual = SimJson.object(body);
        assertEquals(SimJson.fieldPaths(expected), SimJson.fieldPaths(actual), body);
        Map<String, Object> expectedAnswer = route.equals("chat") ? expected : SimJson.firstChoice(expected);
        Map<String, Object> actualAnswer = route.equals("chat") ? actual : SimJson.firstChoice(actual);
        String text = (String) SimJson.object(actualAnswer.get("message")).get("content");
        assertEquals(SimJson.object(expectedAnswer.get("message")).get("content"), text);
        assertTrue(text.length() > 100, text);
        long tokens = route.equals("chat") ? SimJson.number(actual.get("eval_count"))
                : SimJson.number(SimJson.object(actual.get("usage")).get("completion_tokens"));
        assertEquals(ReactorPreemptionApp.TOKENS, tokens, body);
    }

    private Map<String, Object> uninterrupted(String route) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(chat(route, "llama3.2:latest"),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("application/json; charset=utf-8", r.headers().firstValue("Content-Type").orElse(null));
        return SimJson.object(r.body());
    }

    /** The batch call's request, answered at once (the simulator's text depends on the request, not its timing). */
    private HttpRequest chat(String route, String model) {
        return HttpRequest.newBuilder(URI.create(sim.baseUri() + (route.equals("chat") ? "/api/chat" : "/v1/chat/completions")))
                .header("Content-Type", "application/json").header("X-Sim-Prefill-Ms", "0").header("X-Sim-Gen-Ms", "0")
                .header("X-Sim-Output-Tokens", Integer.toString(ReactorPreemptionApp.TOKENS)).header("X-Test-Id", "reference")
                .POST(HttpRequest.BodyPublishers.ofString(ReactorPreemptionApp.chatBody(route, model))).build();
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
