package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.it.apps.Apache5ClientApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.Outcome;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimulatorConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The agent on Apache HttpClient 5, classic and async, in forked JVMs with the built jar against
 * the Ollama simulator. The simulator has more slots than the agent allows, so any limit it
 * observes comes from the agent.
 */
class Apache5ClientIT {
    private OllamaSimulator sim;

    @BeforeEach
    void startSimulator() {
        sim = OllamaSimulator.start(SimulatorConfig.builder().slots(8).build());
    }

    @AfterEach
    void stopSimulator() {
        sim.close();
    }

    private ForkedJvm app(int totalSlots) {
        return new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + sim.port())
                .property("rtbe.slots.total", totalSlots);
    }

    private ForkedJvm.Result run(ForkedJvm jvm, String scenario, String... extra) {
        return runAt(sim.baseUri().toString(), jvm, scenario, extra);
    }

    private static ForkedJvm.Result runAt(String url, ForkedJvm jvm, String scenario, String... extra) {
        String[] args = new String[2 + extra.length];
        args[0] = scenario;
        args[1] = url;
        System.arraycopy(extra, 0, args, 2, extra.length);
        ForkedJvm.Result result = jvm.run(Apache5ClientApp.class, args);
        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.lines("ERROR").isEmpty(), result::toString);
        assertTrue(result.stderr().matches("(?s).*clients=[^\\n]*apache-httpclient5(,|\\n).*"), result::toString);
        return result;
    }

    private static void assertIdle(ForkedJvm.Result r) {
        assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
    }

    private RequestRecord byTestId(String id) {
        return sim.records().stream().filter(r -> id.equals(r.header("X-Test-Id"))).findFirst()
                .orElseThrow(() -> new AssertionError("no request " + id + " in " + sim.records()));
    }

    private void awaitAllFinished(int count) throws Exception {
        sim.awaitRecords(rs -> rs.size() == count && rs.stream().allMatch(RequestRecord::finished), Duration.ofSeconds(20));
    }

    @Test
    void theServerNeverSeesMoreThanNAndBatchNeverTakesTheReservedSlot() {
        assertIdle(run(app(2).property("rtbe.slots.rt-reserved", 1), "flood"));
        List<RequestRecord> records = sim.records();
        assertEquals(8, records.size());
        assertTrue(sim.maxObservedConcurrency() <= 2, "saw " + sim.maxObservedConcurrency());
        List<RequestRecord> batch = records.stream().filter(x -> !x.stream()).collect(Collectors.toList());
        for (RequestRecord a : batch) {
            assertEquals(0, batch.stream().filter(b -> b != a && b.startNanos() < a.endNanos()
                    && a.startNanos() < b.endNanos()).count(), "two batch calls ran at once with one slot reserved: " + a);
        }
        long lastBatchStart = batch.stream().mapToLong(RequestRecord::startNanos).max().orElseThrow();
        records.stream().filter(RequestRecord::stream).forEach(rt ->
                assertTrue(rt.startNanos() < lastBatchStart, "a stream waited behind the whole batch: " + rt));
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "async"})
    void aStreamOvertakesQueuedBatchCalls(String mode) {
        assertIdle(run(app(1), "overtake", mode));
        assertTrue(byTestId("rt").startNanos() < byTestId("be-1").startNanos(), () -> sim.records().toString());
        assertTrue(byTestId("be-0").endNanos() <= byTestId("rt").startNanos(), "one slot means one at a time");
    }

    @Test
    void theSlotIsHeldThroughASlowStreamAndReleasedAtItsEnd() {
        assertIdle(run(app(1), "hold-stream"));
        assertTrue(byTestId("be-c").startNanos() >= byTestId("rt-c").endNanos(), () -> sim.records().toString());
        assertTrue(byTestId("be-a").startNanos() >= byTestId("rt-a").endNanos(), () -> sim.records().toString());
    }

    @Test
    void leavingAStreamEarlyReleasesTheSlot() throws Exception {
        ForkedJvm.Result r = run(app(1), "early-close");
        assertEquals("true", r.value("FIRST"));
        assertEquals("0", r.value("AFTER-CLOSE"));
        assertEquals("0", r.value("AFTER-IMMEDIATE"));
        assertEquals("true", r.value("CANCEL-STREAM"));
        assertEquals("0", r.value("AFTER-CANCEL"));
        assertEquals("200", r.value("NEXT"));
        assertIdle(r);
        awaitAllFinished(4);
        assertEquals(Outcome.DISCONNECTED, byTestId("drained").outcome(), "closing a classic stream early aborts it");
        assertEquals(Outcome.DISCONNECTED, byTestId("immediate").outcome());
        assertEquals(Outcome.DISCONNECTED, byTestId("async-cancel").outcome());
    }

    @Test
    void anExceptionWhileReadingReleasesTheSlot() {
        ForkedJvm.Result r = run(app(1), "reader-throws");
        assertEquals("bug in a handler inFlight=0", r.value("THREW-HANDLER"));
        assertEquals("bug while reading a stream inFlight=0", r.value("THREW-STREAM"));
        assertEquals("bug in a consumer", r.value("THREW-ASYNC"));
        assertIdle(r);
    }

    @Test
    void aServerResetMidStreamReleasesTheSlot() throws IOException {
        int port = freePort();
        ForkedJvm.Result r = runAt("http://127.0.0.1:" + port, new ForkedJvm()
                .property("rtbe.endpoints", "127.0.0.1:" + port).property("rtbe.slots.total", 1), "reset");
        assertTrue(r.value("RESET-C").endsWith("Exception"), r::toString);
        assertTrue(r.value("RESET-A").endsWith("Exception"), r::toString);
        assertIdle(r);
    }

    @Test
    void connectionRefusedReleasesTheSlot() throws IOException {
        int port = freePort();
        ForkedJvm.Result r = runAt("http://127.0.0.1:" + port,
                new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + port), "refused");
        assertEquals("HttpHostConnectException", r.value("REFUSED-C"), r::toString);
        assertTrue(r.value("REFUSED-A").endsWith("ConnectException"), r::toString);
        assertIdle(r);
    }

    @Test
    void theRequestsOwnTimeoutsBoundTheWaitAndTheCall() {
        ForkedJvm.Result r = run(app(1), "timeouts");
        for (String key : new String[] {"QUEUE-TIMEOUT-C", "QUEUE-TIMEOUT-A"}) {
            assertTrue(r.value(key).startsWith("ConnectionRequestTimeoutException: rtbe: BE call waited"), r::toString);
            assertTrue(r.value(key).contains("the call's own timeout=0.200s"), r::toString);
        }
        assertEquals("SocketTimeoutException inFlight=0", r.value("RESPONSE-TIMEOUT-C"), r::toString);
        assertEquals("SocketTimeoutException", r.value("RESPONSE-TIMEOUT-A"), r::toString);
        assertIdle(r);
        assertTrue(sim.records().stream().noneMatch(x -> x.header("X-Test-Id") != null), "a timed-out wait sent nothing");
    }

    @Test
    void callsGivenUpWhileQueuedLeaveTheQueueAndSendNothing() {
        ForkedJvm.Result r = run(app(1), "cancel");
        assertEquals("true queued=0", r.value("CANCEL-A"));
        assertTrue(r.value("ABORT-C").endsWith("Exception"), r::toString);
        assertEquals("InterruptedIOException stillInterrupted=true", r.value("INTERRUPT-C"));
        assertEquals("0", r.value("QUEUED-AFTER"));
        assertIdle(r);
        assertTrue(sim.records().stream().noneMatch(x -> x.header("X-Test-Id") != null), () -> sim.records().toString());
    }

    @Test
    void everyWayOfCallingAndReadingGetsTheWholeBodyAndReleasesTheSlot() {
        ForkedJvm.Result r = run(app(1), "shapes");
        List<String> lines = r.lines("SHAPE");
        assertEquals(11, lines.size(), r::toString);
        for (String line : lines) {
            assertTrue(line.endsWith("same=true inFlight=0"), line);
        }
        assertIdle(r);
    }

    @Test
    void aRedirectedCallHoldsOneSlotAcrossItsHops() throws IOException {
        int redirector = freePort();
        ForkedJvm.Result r = run(new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + redirector + ",127.0.0.1:" + sim.port())
                .property("rtbe.slots.total", 1)
                .property("rtbe.log.calls", true), "redirect", String.valueOf(redirector));
        assertEquals("true", r.value("REDIRECT-C"));
        assertEquals("true", r.value("REDIRECT-A"));
        assertIdle(r);
        assertEquals(2, sim.records().size());
        assertEquals(2, r.stderr().lines().filter(l -> l.startsWith("[rtbe] call ")).count(), r::toString);
    }

    @Test
    void theClassificationHeaderDecidesAndNeverReachesTheServer() {
        ForkedJvm.Result r = run(app(2).property("rtbe.log.calls", true), "classify");
        assertEquals("true", r.value("KEPT"));
        assertEquals(5, sim.records().size());
        assertTrue(sim.records().stream().allMatch(x -> x.header("X-Rtbe-Priority") == null));
        List<String> calls = r.stderr().lines().filter(l -> l.startsWith("[rtbe] call ")).collect(Collectors.toList());
        assertEquals(5, calls.size(), r::toString);
        assertTrue(calls.get(0).startsWith("[rtbe] call RT by=header"), calls.get(0));
        assertTrue(calls.get(1).startsWith("[rtbe] call RT by=header"), calls.get(1));
        assertTrue(calls.get(2).startsWith("[rtbe] call BE by=default"), calls.get(2));
        assertTrue(calls.get(3).startsWith("[rtbe] call BE by=default"), calls.get(3));
        assertTrue(calls.get(4).startsWith("[rtbe] call RT by=streaming"), calls.get(4));
    }

    @Test
    void aResponseNeverReadNorClosedIsTakenBackAfterMaxHold() {
        ForkedJvm.Result r = run(app(1).property("rtbe.slots.max-hold", "1s"), "max-hold");
        assertEquals("1", r.value("HELD"), r::toString);
        assertEquals("0 200", r.value("RECLAIMED"));
        assertTrue(r.stderr().contains("held its slot past rtbe.slots.max-hold"), r::toString);
    }

    @Test
    void otherHostsAreUntouched() throws IOException {
        run(new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + freePort()).property("rtbe.slots.total", 1),
                "concurrent");
        // With one slot, any overlap at all shows the calls were not gated.
        assertTrue(sim.maxObservedConcurrency() > 1, "the agent must not gate a host it was not given");
        assertEquals(6, sim.records().size());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
