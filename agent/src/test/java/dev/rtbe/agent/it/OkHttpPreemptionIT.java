package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.it.ResumablePreemptionIT.SimJson;
import dev.rtbe.agent.it.apps.OkHttpPreemptApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.Outcome;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimHeaders;
import dev.rtbe.simulator.SimulatorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OkHttp's batch calls under transparent preemption, in a forked JVM with the built agent: with
 * one slot, a stream preempts a long non-streaming batch chat call made with {@code execute} or
 * {@code enqueue}. A qualifying call ({@code /api/chat}, {@code /v1/chat/completions}) keeps its
 * output and is continued; one with structured output ({@code format}) or a one-shot body (copied
 * as it went out) is sent again from zero;
 * either way the application gets one response whose body is the uninterrupted answer. A call
 * cancelled while it waits for a slot again ends at once; OkHttp's read timeout bounds a streamed
 * attempt's whole answer.
 */
@Execution(ExecutionMode.CONCURRENT) // each case has its own simulator and JVM
class OkHttpPreemptionIT {
    private OllamaSimulator sim;
    private ProgressProbe probe;
    private GateControl gates;

    @BeforeEach
    void start() throws Exception {
        sim = OllamaSimulator.start(SimulatorConfig.builder().slots(1).build()); // as many as the agent's N
        probe = ProgressProbe.byTestId(sim); // the application asks about each batch call by its X-Test-Id
        gates = new GateControl(sim);
    }

    @AfterEach
    void stop() {
        gates.close();
        probe.close();
        sim.close();
    }

    private List<RequestRecord> attempts(String id) {
        return sim.records().stream().filter(r -> id.equals(r.header("X-Test-Id"))).collect(Collectors.toList());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"execute", "enqueue"})
    void preemptedBatchCallsAreContinuedOrRestartedAndCancelledWhileWaiting(String mode) throws Exception {
        ForkedJvm.Result r = new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + sim.port())
                .property("rtbe.slots.total", 1).property("rtbe.preemption", "transparent")
                // One pool for the server: a one-shot body is not read, so its call would have the default pool.
                .property("rtbe.pools.by-model", false)
                .property("rtbe.log.calls", true)
                .run(OkHttpPreemptApp.class, mode, sim.baseUri().toString(),
                        probe.url(), gates.url());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.lines("ERROR").isEmpty(), r::toString);
        for (String state : r.lines("STATE")) {
            assertEquals("STATE inFlight=0 queued=0", state, r::toString);
        }
        assertEquals(List.of("1", "2", "3", "4", "5", "5"), List.of(r.value("PREEMPTIONS-chat"),
                r.value("PREEMPTIONS-openai"), r.value("PREEMPTIONS-restart"), r.value("PREEMPTIONS-one-shot"),
                r.value("PREEMPTIONS-cancel"), r.value("PREEMPTIONS-read-timeout")), r::toString);

        for (String scenario : List.of("chat", "openai")) {
            List<RequestRecord> attempts = attempts("be-" + scenario);
            assertEquals(2, attempts.size(), attempts::toString);
            RequestRecord cut = attempts.get(0);
            RequestRecord rest = attempts.get(1);
            assertEquals(Outcome.DISCONNECTED, cut.outcome(), cut::toString);
            assertEquals(Outcome.COMPLETED, rest.outcome(), rest::toString);
            assertTrue(cut.stream() && rest.stream(), "both attempts went out as streams: " + attempts);
            assertSameRequestOfTheInterceptor(attempts);
            assertTrue(cut.evalCount() >= 30, cut::toString);
            assertTrue(rest.evalCount() < OkHttpPreemptApp.TOKENS, "the second attempt continued: " + rest);
            assertRtRanAtOnce(r, scenario, rest);
            assertAnswerIsTheUninterruptedOne(r, scenario);
        }

        // Not continued (structured output; a one-shot body, not read before it went out): sent again from zero.
        for (String scenario : List.of("restart", "one-shot")) {
            List<RequestRecord> restarted = attempts("be-" + scenario);
            assertEquals(2, restarted.size(), restarted::toString);
            assertEquals(Outcome.DISCONNECTED, restarted.get(0).outcome(), restarted::toString);
            assertEquals(Outcome.COMPLETED, restarted.get(1).outcome(), restarted::toString);
            assertTrue(!restarted.get(0).stream() && !restarted.get(1).stream(), "sent as it was: " + restarted);
            assertSameRequestOfTheInterceptor(restarted);
            assertEquals(OkHttpPreemptApp.TOKENS, restarted.get(1).evalCount(), "started again from zero: " + restarted);
            assertRtRanAtOnce(r, scenario, restarted.get(1));
            assertAnswerIsTheUninterruptedOne(r, scenario);
        }

        // Cancelled while waiting for a slot again: over at once, the stream still running; never sent again.
        assertEquals("java.io.IOException: Canceled", r.value("CANCELLED"), r::toString);
        assertEquals("true", r.value("CANCELLED-RT-RUNNING"), r::toString);
        assertEquals("true", r.value("CANCELLED-IS-CANCELED"), r::toString);
        List<RequestRecord> cancelled = attempts("be-cancel");
        assertEquals(1, cancelled.size(), cancelled::toString);
        assertEquals(Outcome.DISCONNECTED, cancelled.get(0).outcome(), cancelled::toString);

        // OkHttp's read timeout bounds a streamed attempt's whole answer, as it bounds a non-streaming one's wait.
        assertEquals("java.net.SocketTimeoutException: timeout", r.value("READ-TIMEOUT"), r::toString);
        List<RequestRecord> timedOut = attempts("be-read-timeout");
        assertEquals(1, timedOut.size(), timedOut::toString);
        assertTrue(timedOut.get(0).stream() && timedOut.get(0).outcome() == Outcome.DISCONNECTED, timedOut::toString);

        List<String> calls = r.stderr().lines().filter(l -> l.startsWith("[rtbe] call BE")).collect(Collectors.toList());
        assertEquals(6, calls.size(), r::toString);
        for (int i = 0; i < 4; i++) {
            assertTrue(calls.get(i).contains(" preempted=1 ") && calls.get(i).contains("outcome=completed"), calls::toString);
        }
        assertTrue(calls.get(4).contains(" preempted=1 ") && calls.get(4).contains("outcome=cancelled"), calls::toString);
        assertTrue(calls.get(5).contains("outcome=failed"), calls::toString);
    }

    /** Every attempt went through the application's interceptor, and none carried the classification header. */
    private static void assertSameRequestOfTheInterceptor(List<RequestRecord> attempts) {
        for (RequestRecord a : attempts) {
            assertEquals("seen", a.header("X-App-Interceptor"), a::toString);
            assertEquals(null, a.header("X-Rtbe-Priority"), a::toString);
        }
    }

    /** The stream took the slot as it came (it did not wait for the batch call) and ran before the batch call went on. */
    private void assertRtRanAtOnce(ForkedJvm.Result r, String scenario, RequestRecord next) {
        RequestRecord rt = attempts("rt-" + scenario).get(0);
        assertTrue(rt.startNanos() < next.startNanos(), "the stream ran first: " + sim.records());
        assertEquals("11", r.value("RT-LINES-" + scenario), r::toString);
        // Without preemption the stream would wait for the batch call, which pauses (keeping its slot) until it is
        // preempted: it waited neither in the agent's queue nor in the server's.
        List<String> rtCalls = r.stderr().lines().filter(l -> l.startsWith("[rtbe] call RT")).collect(Collectors.toList());
        String line = rtCalls.get(List.of("chat", "openai", "restart", "one-shot").indexOf(scenario));
        double queueWait = Double.parseDouble(line.replaceAll(".* queue_wait=([0-9.]+)s.*", "$1"));
        assertTrue(queueWait + rt.waitNanos() / 1e9 < 1.5, "the stream waited: " + line + " / " + rt);
    }

    private void assertAnswerIsTheUninterruptedOne(ForkedJvm.Result r, String scenario) throws Exception {
        assertEquals("200", r.value("BE-STATUS-" + scenario), r::toString);
        assertEquals("true", r.value("BE-SAME-CALL-" + scenario), r::toString);
        String length = r.value("BE-BODY-LENGTH-" + scenario);
        assertEquals(length + " " + length, r.value("BE-CONTENT-LENGTH-" + scenario), r::toString);
        String body = new String(Base64.getDecoder().decode(r.value("BE-BODY-" + scenario)), StandardCharsets.UTF_8);

        HttpRequest.Builder reference = HttpRequest.newBuilder(URI.create(sim.baseUri() + OkHttpPreemptApp.path(scenario)))
                .header("Content-Type", "application/json").header("X-Test-Id", "reference")
                .POST(HttpRequest.BodyPublishers.ofString(OkHttpPreemptApp.body(scenario)));
        String[] h = OkHttpPreemptApp.simHeaders();
        for (int i = 0; i < h.length; i += 2) {
            reference.header(h[i], h[i + 1]);
        }
        reference.setHeader(SimHeaders.GEN_MS, "0"); // at once: the simulator's text depends on the request, not its timing
        HttpResponse<String> uninterrupted = HttpClient.newHttpClient().send(reference.build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(uninterrupted.headers().firstValue("Content-Type").orElse(null),
                r.value("BE-CONTENT-TYPE-" + scenario), r::toString);
        Map<String, Object> expected = SimJson.object(uninterrupted.body());
        Map<String, Object> actual = SimJson.object(body);
        assertEquals(SimJson.fieldPaths(expected), SimJson.fieldPaths(actual), body);
        boolean openai = scenario.equals("openai");
        Map<String, Object> expectedAnswer = openai ? SimJson.firstChoice(expected) : expected;
        Map<String, Object> actualAnswer = openai ? SimJson.firstChoice(actual) : actual;
        String text = (String) SimJson.object(actualAnswer.get("message")).get("content");
        assertEquals(SimJson.object(expectedAnswer.get("message")).get("content"), text);
        assertTrue(text.length() > 100, text);
        Object tokens = openai ? SimJson.object(actual.get("usage")).get("completion_tokens") : actual.get("eval_count");
        assertEquals(Long.valueOf(OkHttpPreemptApp.TOKENS), SimJson.number(tokens), body);
    }
}
