package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.it.apps.JdkClientApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.Outcome;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimHeaders;
import dev.rtbe.simulator.SimulatorConfig;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Resumable preemption end to end, in a forked JVM with the built agent and the JDK client: a
 * stream preempts a long non-streaming batch chat call; the batch call keeps its output, is
 * continued once it gets a slot again, and the application receives one non-streaming body whose
 * text is the simulator's uninterrupted answer, while the server generated fewer tokens in all than
 * starting again from zero would have; with a blocking {@code send} and with {@code sendAsync}. A
 * call that may not be continued (structured output) starts again; an async call cancelled while it
 * waits for its slot again ends there.
 */
@Execution(ExecutionMode.CONCURRENT) // each case has its own simulator and JVM
class ResumablePreemptionIT {
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

    private List<RequestRecord> batchAttempts() {
        return sim.records().stream().filter(r -> "be".equals(r.header("X-Test-Id"))).collect(Collectors.toList());
    }

    private ForkedJvm.Result runApp(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add(1, sim.baseUri().toString());
        all.add(2, probe.url());
        return new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + sim.port())
                .property("rtbe.slots.total", 1).property("rtbe.preemption", "transparent")
                .property("rtbe.log.calls", true)
                .run(JdkClientApp.class, all.toArray(new String[0]));
    }

    /** The uninterrupted answer, generated at once (the simulator's text depends on the request, not its timing). */
    private String reference(String route) throws Exception {
        return HttpClient.newHttpClient().send(JdkClientApp.resumableChat(sim.baseUri().toString(), route)
                        .header("X-Test-Id", "reference").setHeader(SimHeaders.GEN_MS, "0").build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * The application ended well, the stream ran whole, and the server saw the batch call twice: a
     * first attempt cut by the one preemption, then a whole second one. Returns the two attempts.
     */
    private List<RequestRecord> assertCutOnceForTheStream(ForkedJvm.Result r) {
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.lines("ERROR").isEmpty(), r::toString);
        assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
        assertEquals("1", r.value("PREEMPTIONS"), r::toString);
        assertEquals("11", r.value("RT-LINES"), r::toString);
        List<RequestRecord> attempts = batchAttempts();
        assertEquals(2, attempts.size(), attempts::toString);
        assertEquals(Outcome.DISCONNECTED, attempts.get(0).outcome(), attempts.get(0)::toString);
        assertEquals(Outcome.COMPLETED, attempts.get(1).outcome(), attempts.get(1)::toString);
        return attempts;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"chat,send", "openai,send", "chat,sendAsync", "openai,sendAsync"})
    void aPreemptedBatchCallIsContinuedAndTheApplicationGetsTheUninterruptedAnswer(String route, String how) throws Exception {
        ForkedJvm.Result r = runApp("resume", route, how, gates.url());
        // The server: a cut first attempt, then a continuation that generated only the rest.
        List<RequestRecord> attempts = assertCutOnceForTheStream(r);
        RequestRecord cut = attempts.get(0);
        RequestRecord rest = attempts.get(1);
        assertTrue(cut.stream() && rest.stream(), "both attempts went out as streams: " + attempts);
        int total = JdkClientApp.RESUMABLE_TOKENS;
        assertTrue(cut.evalCount() >= 30, cut::toString);
        assertTrue(rest.evalCount() < total, "the second attempt continued, it did not start again: " + rest);
        assertTrue(cut.evalCount() + rest.evalCount() < cut.evalCount() + total,
                "fewer tokens in all than a restart from zero: " + attempts);
        RequestRecord rt = sim.records().stream().filter(x -> "rt".equals(x.header("X-Test-Id"))).findFirst().orElseThrow();
        assertTrue(rt.startNanos() < rest.startNanos(), "the stream ran first: " + sim.records());

        // The application: one non-streaming body, the uninterrupted answer's fields and text.
        String body = new String(Base64.getDecoder().decode(r.value("BE-BODY")), StandardCharsets.UTF_8);
        assertEquals("200", r.value("BE-STATUS"), r::toString);
        assertEquals("application/json; charset=utf-8", r.value("BE-CONTENT-TYPE"), r::toString);
        assertEquals(r.value("BE-BODY-LENGTH"), r.value("BE-CONTENT-LENGTH"), r::toString);
        Map<String, Object> expected = SimJson.object(reference(route));
        Map<String, Object> actual = SimJson.object(body);
        assertEquals(SimJson.fieldPaths(expected), SimJson.fieldPaths(actual), body);
        Map<String, Object> expectedAnswer = route.equals("chat") ? expected : SimJson.firstChoice(expected);
        Map<String, Object> actualAnswer = route.equals("chat") ? actual : SimJson.firstChoice(actual);
        String text = (String) SimJson.object(actualAnswer.get("message")).get("content");
        assertEquals(SimJson.object(expectedAnswer.get("message")).get("content"), text);
        assertTrue(text.length() > 100, text);
        if (route.equals("chat")) {
            assertEquals(Long.valueOf(total), SimJson.number(actual.get("eval_count")));
            assertEquals(expected.get("done_reason"), actual.get("done_reason"));
        } else {
            assertEquals(Long.valueOf(total), SimJson.number(SimJson.object(actual.get("usage")).get("completion_tokens")));
            assertEquals(expectedAnswer.get("finish_reason"), actualAnswer.get("finish_reason"));
        }
        String again = new String(Base64.getDecoder().decode(r.value("AGAIN-BODY")), StandardCharsets.UTF_8);
        assertEquals(SimJson.fieldPaths(expected), SimJson.fieldPaths(SimJson.object(again)), again);
        Map<String, Object> againAnswer = route.equals("chat") ? SimJson.object(again) : SimJson.firstChoice(SimJson.object(again));
        assertEquals(text, SimJson.object(againAnswer.get("message")).get("content"));
        RequestRecord againRecord = sim.records().stream().filter(x -> "be-again".equals(x.header("X-Test-Id")))
                .findFirst().orElseThrow();
        assertTrue(againRecord.stream(), "an unpreempted call goes out as a stream too: " + againRecord);

        HttpResponse<String> missing = HttpClient.newHttpClient().send(
                JdkClientApp.resumableChat(sim.baseUri().toString(), route, "nosuch:latest").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(missing.statusCode() + " " + missing.headers().firstValue("Content-Type").orElse("none") + " "
                + Base64.getEncoder().encodeToString(missing.body().getBytes(StandardCharsets.UTF_8)),
                r.value("MISSING"), "an error reaches the application as it is");

        List<String> calls = r.stderr().lines().filter(l -> l.startsWith("[rtbe] call BE")).collect(Collectors.toList());
        assertEquals(3, calls.size(), r::toString);
        assertTrue(calls.get(0).contains(" preempted=1 ") && calls.get(0).contains("outcome=completed"), calls::toString);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"send", "sendAsync"})
    void aPreemptedCallWithStructuredOutputStartsAgainAndTheApplicationGetsTheWholeAnswer(String how) throws Exception {
        ForkedJvm.Result r = runApp("resume", "chat-format", how, gates.url());
        List<RequestRecord> attempts = assertCutOnceForTheStream(r);
        RequestRecord cut = attempts.get(0);
        RequestRecord again = attempts.get(1);
        assertTrue(!cut.stream() && !again.stream(), "sent as the application sent it: " + attempts);
        assertEquals(JdkClientApp.RESUMABLE_TOKENS, again.evalCount(), "started again from zero: " + again);

        String body = new String(Base64.getDecoder().decode(r.value("BE-BODY")), StandardCharsets.UTF_8);
        Map<String, Object> expected = SimJson.object(reference("chat-format"));
        Map<String, Object> actual = SimJson.object(body);
        assertEquals(SimJson.fieldPaths(expected), SimJson.fieldPaths(actual), body);
        assertEquals(SimJson.object(expected.get("message")).get("content"), SimJson.object(actual.get("message")).get("content"));
        assertEquals(r.value("BE-BODY-LENGTH"), r.value("BE-CONTENT-LENGTH"), r::toString);
    }

    @org.junit.jupiter.api.Test
    void cancellingAnAsyncCallWaitingForItsSlotAgainEndsItThere() throws Exception {
        ForkedJvm.Result r = runApp("resume-cancel", gates.url());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.lines("ERROR").isEmpty(), r::toString);
        assertEquals("true", r.value("CANCELLED"), r::toString);
        assertEquals("0", r.value("QUEUED-AFTER-CANCEL"), "it left the queue at once: " + r);
        assertEquals("11", r.value("RT-LINES"), r::toString);
        assertEquals("200", r.value("AFTER"), r::toString);
        assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
        List<RequestRecord> attempts = batchAttempts();
        assertEquals(1, attempts.size(), "the cancelled call never went out again: " + attempts);
        assertEquals(Outcome.DISCONNECTED, attempts.get(0).outcome(), attempts::toString);
        List<String> calls = r.stderr().lines().filter(l -> l.startsWith("[rtbe] call BE")).collect(Collectors.toList());
        assertTrue(calls.stream().anyMatch(l -> l.contains(" preempted=1 ") && l.contains("outcome=cancelled")), calls::toString);
    }

    /** Reads the bodies with the simulator's JSON reader (an independent parser from the agent's). */
    static final class SimJson {
        @SuppressWarnings("unchecked")
        static Map<String, Object> object(Object v) {
            return (Map<String, Object>) v;
        }

        static Map<String, Object> object(String json) throws Exception {
            return object(dev.rtbe.simulator.Json.parse(json));
        }

        static Map<String, Object> firstChoice(Map<String, Object> completion) {
            return object(((List<?>) completion.get("choices")).get(0));
        }

        static Long number(Object v) {
            return ((Number) v).longValue();
        }

        static List<String> fieldPaths(Object json) {
            List<String> out = new ArrayList<>();
            walk("", json, out);
            return out;
        }

        private static void walk(String prefix, Object v, List<String> out) {
            if (v instanceof Map) {
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                    String path = prefix.isEmpty() ? (String) e.getKey() : prefix + "." + e.getKey();
                    out.add(path);
                    walk(path, e.getValue(), out);
                }
            } else if (v instanceof List && !((List<?>) v).isEmpty()) {
                walk(prefix + "[]", ((List<?>) v).get(0), out);
            }
        }
    }
}
