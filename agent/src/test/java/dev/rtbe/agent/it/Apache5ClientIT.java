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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
