package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.it.apps.UrlConnectionApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimulatorConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent on {@code java.net.HttpURLConnection} ({@code new URL(...).openConnection()}), in
 * forked JVMs with the built jar, against the Ollama simulator. The simulator has more slots than
 * the agent allows, so any limit it observes comes from the agent.
 */
class UrlConnectionIT {
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
        return runAt(jvm, scenario, sim.baseUri().toString(), extra);
    }

    private static ForkedJvm.Result runAt(ForkedJvm jvm, String scenario, String url, String... extra) {
        String[] args = new String[2 + extra.length];
        args[0] = scenario;
        args[1] = url;
        System.arraycopy(extra, 0, args, 2, extra.length);
        ForkedJvm.Result result = jvm.run(UrlConnectionApp.class, args);
        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.lines("ERROR").isEmpty(), result::toString);
        assertTrue(result.stderr().contains("http-urlconnection"), result::toString);
        assertFalse(result.stderr().contains("could not instrument"), result::toString);
        return result;
    }

    /**
     * The simulator stamps a call's end just after writing its last byte; the client sees the end of
     * a fixed-length or chunked body, releases the slot, and the next call may start a moment before
     * that stamp. Calls wrongly admitted together would overlap by a whole call (100+ ms).
     */
    private static final Duration STAMP_SLACK = Duration.ofMillis(20);

    private static boolean startsAfter(RequestRecord next, RequestRecord first) {
        return next.startNanos() >= first.endNanos() - STAMP_SLACK.toNanos();
    }

    private static void assertIdle(ForkedJvm.Result r) {
        assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
    }

    private static List<String> callLines(ForkedJvm.Result r) {
        return r.stderr().lines().filter(l -> l.startsWith("[rtbe] call ")).collect(Collectors.toList());
    }

    private RequestRecord byTestId(String id) {
        return sim.records().stream().filter(r -> id.equals(r.header("X-Test-Id"))).findFirst()
                .orElseThrow(() -> new AssertionError("no request " + id + " in " + sim.records()));
    }

    @Test
    void theSlotIsHeldThroughASlowStreamAndReleasedAtItsEnd() {
        assertIdle(run(app(1), "hold-stream"));
        assertTrue(startsAfter(byTestId("be"), byTestId("rt")), () -> sim.records().toString());
    }

    @Test
    void closingEarlyOrThrowingWhileReadingReleasesTheSlot() throws Exception {
        ForkedJvm.Result r = run(app(1), "early-close");
        assertEquals("true", r.value("FIRST"));
        assertEquals("0", r.value("AFTER-CLOSE"));
        assertEquals("200", r.value("NEXT"));
        assertIdle(r);
        sim.awaitRecords(rs -> rs.size() == 2 && rs.stream().allMatch(RequestRecord::finished), Duration.ofSeconds(20));
        assertEquals(dev.rtbe.simulator.Outcome.DISCONNECTED, sim.records().get(0).outcome());

        ForkedJvm.Result thrown = run(app(1), "reader-throws");
        assertEquals("application bug while reading", thrown.value("THREW"));
        assertIdle(thrown);
    }

    @Test
    void disconnectReleasesTheSlotMidStreamAndAfterTheStatusOnly() {
        ForkedJvm.Result r = run(app(1), "disconnect");
        assertEquals("true", r.value("FIRST"));
        assertEquals("0", r.value("MID-STREAM"));
        assertEquals("200 held=1", r.value("STATUS"));
        assertEquals("0", r.value("STATUS-ONLY"));
        assertIdle(r);
    }

    @Test
    void theConnectTimeoutBoundsTheQueueWaitAndAReadTimeoutEndsTheCall() {
        ForkedJvm.Result r = run(app(1), "timeouts");
        assertTrue(r.value("CONNECT-TIMEOUT").startsWith("connect timed out: rtbe: BE call waited"), r::toString);
        assertTrue(r.value("CONNECT-TIMEOUT").contains("the call's own timeout=0.200s"), r::toString);
        assertEquals("SocketTimeoutException", r.value("AGAIN"), "a later method repeats the failure");
        assertTrue(r.value("READ-TIMEOUT").toLowerCase().contains("timed out"), r::toString);
        assertIdle(r);
        assertTrue(sim.records().stream().noneMatch(x -> "never-sent".equals(x.header("X-Test-Id"))));
    }

    @Test
    void anInterruptedWaiterLeavesWithItsInterruptStatusSet() {
        ForkedJvm.Result r = run(app(1), "interrupt");
        assertEquals("InterruptedIOException stillInterrupted=true", r.value("INTERRUPT"));
        assertIdle(r);
        assertTrue(sim.records().stream().noneMatch(x -> "interrupted".equals(x.header("X-Test-Id"))));
    }

    @Test
    void streamingModesAreDecidedWithTheirWholeBody() {
        ForkedJvm.Result r = run(app(1).property("rtbe.log.calls", true), "streaming-mode");
        assertTrue(r.value("FIXED").startsWith("200 "), r::toString);
        assertTrue(r.value("CHUNKED").startsWith("200 "), r::toString);
        assertEquals(r.value("FIXED"), r.value("CHUNKED"), "both bodies arrived whole");
        List<String> calls = callLines(r);
        assertEquals(2, calls.size(), r::toString);
        assertTrue(calls.get(0).startsWith("[rtbe] call RT by=streaming"), calls.get(0)); // body held, then read
        assertTrue(calls.get(1).startsWith("[rtbe] call RT by=header"), calls.get(1));
        assertTrue(calls.stream().allMatch(l -> l.contains("outcome=completed")), calls::toString);
        assertTrue(byTestId("chunked").header("X-Rtbe-Priority") == null, "the header was stripped");
        assertIdle(r);
    }

    @Test
    void anErrorStatusReleasesAtOnceAndADroppedConnectionIsReclaimed() {
        ForkedJvm.Result error = run(app(1), "error-status");
        assertEquals("404 inFlight=0", error.value("STATUS"));
        assertIdle(error);

        ForkedJvm.Result dropped = run(app(1), "dropped");
        assertEquals("200 held=1", dropped.value("STATUS"));
        assertEquals("0", dropped.value("RECLAIMED"));
        assertTrue(dropped.stderr().contains("dropped without being closed"), dropped::toString);
    }

    @Test
    void otherHostsAreUntouched() throws IOException {
        ForkedJvm.Result r = new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + freePort())
                .property("rtbe.slots.total", 1).run(UrlConnectionApp.class, "concurrent", sim.baseUri().toString(), "4");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(4, sim.maxObservedConcurrency(), "the agent must not gate a host it was not given");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
