package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.it.ResumablePreemptionIT.SimJson;
import dev.rtbe.agent.it.apps.Apache5PreemptionApp;
import dev.rtbe.agent.it.apps.ChildFirstLauncher;
import dev.rtbe.agent.it.apps.JdkClientApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.Outcome;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimHeaders;
import dev.rtbe.simulator.SimulatorConfig;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Transparent and resumable preemption on Apache HttpClient 5, classic and async, in a forked JVM
 * with the built agent against the simulator (one slot, as many as the agent's N): a stream
 * preempts a long non-streaming batch chat call, which is continued (or, with
 * {@code rtbe.preemption.resume=restart}, sent again) once it gets a slot again; the application
 * gets the uninterrupted answer and no error, and the stream got its slot at once. A call given up
 * while it waits to get its slot back leaves the queue and is never sent again. In the version
 * matrix's run the oldest 5.x the adapter supports (5.0) runs the continued calls too.
 */
@Execution(ExecutionMode.CONCURRENT) // each case has its own simulator and JVM
class Apache5PreemptionIT {
    private static final String OLDEST = "client-versions/apache5-oldest";
    private static final Pattern QUEUE_WAIT = Pattern.compile("queue_wait=([0-9.]+)s");

    private OllamaSimulator sim;
    private ProgressProbe probe;
    private GateControl gates;

    @BeforeEach
    void start() throws Exception {
        sim = OllamaSimulator.start(SimulatorConfig.builder().slots(1).build());
        probe = ProgressProbe.of(sim, ProgressProbe.testId("be"));
        gates = new GateControl(sim);
    }

    @AfterEach
    void stop() {
        gates.close();
        probe.close();
        sim.close();
    }

    private List<RequestRecord> batchAttempts() {
        return sim.records().stream().filter(r -> "be".equals(r.header("X-Test-Id"))).collect(Collectors.toList());
    }

    private RequestRecord record(String testId) {
        return sim.records().stream().filter(x -> testId.equals(x.header("X-Test-Id"))).findFirst()
                .orElseThrow(() -> new AssertionError("no request " + testId + " in " + sim.records()));
    }

    private ForkedJvm.Result run(String resume, String scenario, String api, String route) {
        return run(resume, scenario, api, route, "newest");
    }

    /** {@code version}: {@code newest} (the class path's), or {@code oldest} (5.0, loaded child-first). */
    private ForkedJvm.Result run(String resume, String scenario, String api, String route, String version) {
        List<String> args = new ArrayList<>();
        if (version.equals("oldest")) {
            args.add(ForkedJvm.AGENT_JAR.getParent().resolve(OLDEST).toString());
            args.add(Apache5PreemptionApp.class.getName());
        }
        args.addAll(List.of(scenario, sim.baseUri().toString(),
                probe.url(), api, route, gates.url()));
        ForkedJvm.Result r = new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + sim.port())
                .property("rtbe.slots.total", 1).property("rtbe.preemption", "transparent")
                .property("rtbe.preemption.resume", resume).property("rtbe.log.calls", true)
                .run(version.equals("oldest") ? ChildFirstLauncher.class : Apache5PreemptionApp.class,
                        args.toArray(new String[0]));
        if (version.equals("oldest")) {
            assertEquals("Apache-HttpClient/5.0.4", r.value("CLIENT").split(" ")[0], r::toString);
        }
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.lines("ERROR").isEmpty(), r::toString);
        assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
        return r;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"classic, chat", "classic, openai", "async, chat", "async, openai"})
    void aPreemptedBatchCallIsContinuedAndTheApplicationGetsTheUninterruptedAnswer(String api, String route)
            throws Exception {
        assertContinued(api, route, "newest");
    }

    /** The version matrix's run ({@code -Pclient-versions}, which copies the oldest jars): 5.0 too. */
    @ParameterizedTest(name = "{0} {1} on 5.0")
    @CsvSource({"classic, chat", "async, openai"})
    @EnabledIfSystemProperty(named = "rtbe.contract.versions", matches = "true")
    void onTheOldestVersionToo(String api, String route) throws Exception {
        assertContinued(api, route, "oldest");
    }

    private void assertContinued(String api, String route, String version) throws Exception {
        ForkedJvm.Result r = run("continue", "preempt", api, route, version);
        assertPreemptedOnceAndRtServedAtOnce(r);

        List<RequestRecord> attempts = batchAttempts();
        assertEquals(2, attempts.size(), attempts::toString);
        RequestRecord cut = attempts.get(0);
        RequestRecord rest = attempts.get(1);
        assertEquals(Outcome.DISCONNECTED, cut.outcome(), cut::toString);
        assertEquals(Outcome.COMPLETED, rest.outcome(), rest::toString);
        assertTrue(cut.stream() && rest.stream(), "both attempts went out as streams: " + attempts);
        assertTrue(cut.evalCount() >= 30, cut::toString);
        assertTrue(rest.evalCount() < Apache5PreemptionApp.TOKENS, "the second attempt continued: " + rest);
        assertTrue(record("rt").startNanos() < rest.startNanos(), () -> sim.records().toString());

        Map<String, Object> expected = assertUninterruptedAnswer(r, "BE", route);
        assertAnswerText(expected, SimJson.object(body(r, "AGAIN")), route);
        assertTrue(record("be-again").stream(), "an unpreempted call goes out as a stream too");
        assertErrorAsItCame(r, route);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"classic", "async"})
    void withRestartAPreemptedBatchCallIsSentAgainAsItWas(String api) throws Exception {
        ForkedJvm.Result r = run("restart", "preempt", api, "chat");
        assertPreemptedOnceAndRtServedAtOnce(r);
        List<RequestRecord> attempts = batchAttempts();
        assertEquals(2, attempts.size(), attempts::toString);
        assertEquals(Outcome.DISCONNECTED, attempts.get(0).outcome(), attempts::toString);
        assertEquals(Outcome.COMPLETED, attempts.get(1).outcome(), attempts::toString);
        assertTrue(!attempts.get(0).stream() && !attempts.get(1).stream(), "sent as the application asked: " + attempts);
        assertEquals(Apache5PreemptionApp.TOKENS, attempts.get(1).evalCount(), "started again from zero");
        assertUninterruptedAnswer(r, "BE", "chat");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"classic", "async"})
    void aCallGivenUpWhileItWaitsToGetItsSlotBackLeavesTheQueue(String api) throws Exception {
        ForkedJvm.Result r = run("continue", "cancel", api, "chat");
        assertEquals("true queued=0", r.value("CANCELLED"), r::toString);
        assertEquals(api.equals("async") ? "CancellationException" : "InterruptedIOException stillInterrupted=true",
                r.value("GOT"), r::toString);
        sim.awaitRecords(rs -> rs.stream().allMatch(RequestRecord::finished) && rs.size() == 2, Duration.ofSeconds(20));
        assertEquals(1, batchAttempts().size(), () -> sim.records().toString());
        assertEquals(Outcome.DISCONNECTED, batchAttempts().get(0).outcome());
        assertEquals(Outcome.COMPLETED, record("rt").outcome());
    }

    private void assertPreemptedOnceAndRtServedAtOnce(ForkedJvm.Result r) {
        assertEquals("1", r.value("PREEMPTIONS"), r::toString);
        assertEquals("11", r.value("RT-LINES"), r::toString);
        List<String> rt = r.stderr().lines().filter(l -> l.startsWith("[rtbe] call RT")).collect(Collectors.toList());
        assertEquals(1, rt.size(), r::toString);
        Matcher wait = QUEUE_WAIT.matcher(rt.get(0));
        assertTrue(wait.find(), rt::toString);
        assertTrue(Double.parseDouble(wait.group(1)) < 1.0, "RT took the batch call's slot at once: " + rt);
        List<String> be = r.stderr().lines().filter(l -> l.startsWith("[rtbe] call BE")).collect(Collectors.toList());
        assertTrue(be.get(0).contains(" preempted=1 ") && be.get(0).contains("outcome=completed"), be::toString);
    }

    private static String body(ForkedJvm.Result r, String key) {
        return new String(Base64.getDecoder().decode(r.value(key + "-BODY")), StandardCharsets.UTF_8);
    }

    /** The application's body has the uninterrupted non-streaming answer's fields and text; returns that answer. */
    private Map<String, Object> assertUninterruptedAnswer(ForkedJvm.Result r, String key, String route) throws Exception {
        assertEquals("200", r.value(key + "-STATUS"), r::toString);
        assertEquals("application/json; charset=utf-8", r.value(key + "-CONTENT-TYPE"), r::toString);
        assertEquals(r.value(key + "-BODY-LENGTH"), r.value(key + "-CONTENT-LENGTH"), r::toString);
        // Generated at once: the simulator's text depends on the request, not its timing.
        HttpResponse<String> uninterrupted = HttpClient.newHttpClient().send(
                JdkClientApp.resumableChat(sim.baseUri().toString(), route).header("X-Test-Id", "reference")
                        .setHeader(SimHeaders.GEN_MS, "0").build(),
                HttpResponse.BodyHandlers.ofString());
        Map<String, Object> expected = SimJson.object(uninterrupted.body());
        Map<String, Object> actual = SimJson.object(body(r, key));
        assertAnswerText(expected, actual, route);
        if (route.equals("chat")) {
            assertEquals(Long.valueOf(Apache5PreemptionApp.TOKENS), SimJson.number(actual.get("eval_count")));
        } else {
            assertEquals(Long.valueOf(Apache5PreemptionApp.TOKENS),
                    SimJson.number(SimJson.object(actual.get("usage")).get("completion_tokens")));
        }
        return expected;
    }

    private static void assertAnswerText(Map<String, Object> expected, Map<String, Object> actual, String route) {
        assertEquals(SimJson.fieldPaths(expected), SimJson.fieldPaths(actual), actual::toString);
        Map<String, Object> e = route.equals("chat") ? expected : SimJson.firstChoice(expected);
        Map<String, Object> a = route.equals("chat") ? actual : SimJson.firstChoice(actual);
        String text = (String) SimJson.object(a.get("message")).get("content");
        assertEquals(SimJson.object(e.get("message")).get("content"), text);
        assertTrue(text.length() > 100, text);
    }

    /** A call the server refuses reaches the application as the server answered it. */
    private void assertErrorAsItCame(ForkedJvm.Result r, String route) throws Exception {
        HttpResponse<String> missing = HttpClient.newHttpClient().send(
                JdkClientApp.resumableChat(sim.baseUri().toString(), route, "nosuch:latest").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(Integer.toString(missing.statusCode()), r.value("MISSING-STATUS"), r::toString);
        assertEquals(missing.headers().firstValue("Content-Type").orElse("none"), r.value("MISSING-CONTENT-TYPE"));
        assertEquals(missing.body(), body(r, "MISSING"));
    }
}
