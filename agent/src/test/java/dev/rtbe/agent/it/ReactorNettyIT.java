package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.it.apps.ReactorNettyApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimulatorConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent on Reactor Netty's {@code HttpClient} (and Spring's WebClient on top of it), in forked
 * JVMs with the built jar, against the Ollama simulator. The simulator has more slots than the
 * agent allows, so any limit it observes comes from the agent.
 */
class ReactorNettyIT {
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
        return runAt(jvm, sim.baseUri().toString(), scenario, extra);
    }

    private static ForkedJvm.Result runAt(ForkedJvm jvm, String url, String scenario, String... extra) {
        String[] args = new String[2 + extra.length];
        args[0] = scenario;
        args[1] = url;
        System.arraycopy(extra, 0, args, 2, extra.length);
        ForkedJvm.Result result = jvm.run(ReactorNettyApp.class, args);
        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.lines("ERROR").isEmpty(), result::toString);
        assertTrue(result.stderr().matches("(?s).*clients=[^\\n]*reactor-netty(,|\\n).*") || !result.stderr().contains("started"),
                result::toString);
        return result;
    }

    private static void assertIdle(ForkedJvm.Result r) {
        assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
    }

    private RequestRecord byTestId(String id) {
        return sim.records().stream().filter(r -> id.equals(r.header("X-Test-Id"))).findFirst()
                .orElseThrow(() -> new AssertionError("no request " + id + " in " + sim.records()));
    }

    private static List<String> callLines(ForkedJvm.Result r) {
        return r.stderr().lines().filter(l -> l.startsWith("[rtbe] call ")).collect(Collectors.toList());
    }

    @Test
    void theSlotIsHeldThroughASlowStreamAndReleasedAtItsEnd() {
        ForkedJvm.Result r = run(app(1), "hold-stream");
        assertEquals("true", r.value("CHUNKS"), "the stream arrived in pieces");
        assertIdle(r);
        assertTrue(byTestId("be").startNanos() >= byTestId("rt").endNanos(), () -> sim.records().toString());
    }

    /** Stopping after the first chunk, an exception in the application's reader, disposing a subscription. */
    @Test
    void everyWayTheApplicationEndsAStreamReleasesTheSlot() throws Exception {
        ForkedJvm.Result r = run(app(1), "stream-ends");
        assertEquals("true", r.value("FIRST"));
        assertEquals("0", r.value("AFTER-CLOSE"));
        assertEquals("200", r.value("NEXT"));
        assertEquals("application bug while reading", r.value("THREW"));
        assertEquals("queued=0", r.value("CANCEL-QUEUED"));
        assertEquals("inFlight=1", r.value("CANCEL-RUNNING"));
        assertEquals("0", r.value("CANCEL-RUNNING-AFTER"));
        assertIdle(r);
        sim.awaitRecords(rs -> rs.stream().allMatch(RequestRecord::finished), java.time.Duration.ofSeconds(20));
        assertEquals(dev.rtbe.simulator.Outcome.DISCONNECTED, sim.records().get(0).outcome(), "stopped early");
        assertTrue(sim.records().stream().noneMatch(x -> "cancelled".equals(x.header("X-Test-Id"))), "sent while queued");
        assertEquals(dev.rtbe.simulator.Outcome.DISCONNECTED, byTestId("abandoned").outcome(), "disposed mid-stream");
    }

    @Test
    void timeoutsReleaseTheSlotAndATimedOutWaiterIsNeverSent() {
        ForkedJvm.Result r = run(app(1), "timeouts");
        assertEquals("true queued=0", r.value("QUEUED-TIMEOUT"), r::toString);
        assertEquals("true", r.value("READ-TIMEOUT"), r::toString);
        assertIdle(r);
        assertTrue(sim.records().stream().noneMatch(x -> "timed-out".equals(x.header("X-Test-Id"))));
    }

    @Test
    void everyTerminalMethodGetsTheWholeBodyAndReleasesTheSlot() {
        ForkedJvm.Result r = run(app(1), "modes");
        List<String> lines = r.lines("MODE");
        assertEquals(9, lines.size(), r::toString);
        for (String line : lines) {
            assertTrue(line.endsWith("same=true inFlight=0"), line);
        }
        assertIdle(r);
        assertEquals(9, sim.records().size(), "every call went out once");
    }

    /**
     * The header decides where the application set it on the client, and never reaches the server,
     * not even when set in the send callback; a request built on one thread and subscribed on
     * another is classified by the thread that built it.
     */
    @Test
    void theClassificationHeaderNeverReachesTheServerAndTheBuildingThreadClassifies() {
        ForkedJvm.Result r = run(app(1).property("rtbe.log.calls", true)
                .property("rtbe.classify.rt-threads", "rt-worker-*")
                .property("rtbe.classify.be-threads", "be-worker-*"), "classify");
        assertEquals(3, sim.records().size());
        assertTrue(sim.records().stream().allMatch(x -> x.header("X-Rtbe-Priority") == null), () -> sim.records().toString());
        List<String> calls = callLines(r);
        assertEquals(3, calls.size(), r::toString);
        assertTrue(calls.get(0).startsWith("[rtbe] call RT by=header"), calls::toString);
        assertTrue(calls.get(2).startsWith("[rtbe] call RT by=thread"), calls::toString);
    }

    @Test
    void theHeaderIsKeptWhenStrippingIsOff() {
        run(app(1).property("rtbe.classify.header-strip", false), "classify");
        assertEquals("rt", byTestId("client-header").header("X-Rtbe-Priority"));
        assertEquals("be", byTestId("send-header").header("X-Rtbe-Priority"));
    }

    @Test
    void otherHostsAreUntouched() throws IOException {
        ForkedJvm.Result r = new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + freePort())
                .property("rtbe.slots.total", 1).run(ReactorNettyApp.class, "concurrent", sim.baseUri().toString(), "4");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(4, sim.maxObservedConcurrency(), "the agent must not gate a host it was not given");
    }

    @Test
    void springWebClientIsGatedAndItsHeaderStripped() {
        ForkedJvm.Result r = run(app(1), "webclient");
        assertEquals("true", r.value("WEBCLIENT-SINGLE"));
        assertEquals("true", r.value("WEBCLIENT-FIRST"));
        assertTrue(Integer.parseInt(r.value("WEBCLIENT-STREAM")) > 1, r::toString);
        assertIdle(r);
        assertEquals(1, sim.maxObservedConcurrency());
        assertEquals(5, sim.records().size());
        assertTrue(sim.records().stream().allMatch(x -> x.header("X-Rtbe-Priority") == null), () -> sim.records().toString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
