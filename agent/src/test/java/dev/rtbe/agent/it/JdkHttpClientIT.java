package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.it.apps.JdkClientApp;
import dev.rtbe.agent.it.apps.LateAttachApp;
import dev.rtbe.agent.it.apps.NoClientApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimulatorConfig;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agent on {@code java.net.http.HttpClient}, in forked JVMs with the built jar, against the
 * Ollama simulator. The simulator has more slots than the agent allows, so any limit it observes
 * comes from the agent.
 */
class JdkHttpClientIT {
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
        String[] args = new String[2 + extra.length];
        args[0] = scenario;
        args[1] = sim.baseUri().toString();
        System.arraycopy(extra, 0, args, 2, extra.length);
        ForkedJvm.Result result = jvm.run(JdkClientApp.class, args);
        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.lines("ERROR").isEmpty(), result::toString);
        return result;
    }

    private static void assertIdle(ForkedJvm.Result r) {
        assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
    }

    private RequestRecord byTestId(String id) {
        return sim.records().stream().filter(r -> id.equals(r.header("X-Test-Id"))).findFirst()
                .orElseThrow(() -> new AssertionError("no request " + id + " in " + sim.records()));
    }

    @ParameterizedTest(name = "{0} request body")
    @ValueSource(strings = {"in-memory", "streamed"})
    void aBatchCallPreemptedForAStreamIsResentAndTheApplicationSeesOneWholeResponse(String bodyKind) throws Exception {
        sim.close();
        sim = OllamaSimulator.start(SimulatorConfig.builder().slots(2).build()); // as many as the agent's N
        HttpServer probe = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        probe.createContext("/running", exchange -> {
            byte[] body = Integer.toString(sim.running()).getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        probe.start();
        ForkedJvm.Result r;
        try {
            // The streamed batch bodies cannot be read for their model while the stream's can: one pool for
            // the server keeps all three calls on one scheduler, as they are on one model in the server.
            // budget=off: two batch calls that would restart fill both slots (the default policy keeps the
            // last slot from a call that cannot be continued), so the stream has one to take back.
            r = run(app(2).property("rtbe.preemption", "transparent").property("rtbe.preemption.budget", "off")
                    .property("rtbe.log.calls", true).property("rtbe.pools.by-model", false), "preempt",
                    "http://127.0.0.1:" + probe.getAddress().getPort() + "/running", bodyKind);
        } finally {
            probe.stop(0);
        }
        assertIdle(r);
        assertEquals("11", r.value("RT-LINES"), r::toString); // 10 tokens and the final line
        assertEquals("1", r.value("PREEMPTIONS"), r::toString);
        assertTrue(r.stderr().contains("preemption=transparent (preemptible: jdk-httpclient send and sendAsync, okhttp, apache5, reactor-netty;"), r::toString);
        assertTrue(Double.parseDouble(r.value("PREEMPTED-SLOT-SECONDS")) > 0, r::toString);

        List<RequestRecord> younger = sim.records().stream().filter(x -> "be-1".equals(x.header("X-Test-Id")))
                .collect(Collectors.toList());
        assertEquals(2, younger.size(), () -> "the younger batch call was not sent twice: " + sim.records());
        RequestRecord aborted = younger.get(0);
        RequestRecord resent = younger.get(1);
        assertEquals(dev.rtbe.simulator.Outcome.DISCONNECTED, aborted.outcome(), aborted::toString);
        assertEquals(dev.rtbe.simulator.Outcome.COMPLETED, resent.outcome(), resent::toString);
        if (bodyKind.equals("streamed")) {
            // The one-shot body went out chunked once; the re-send is the kept copy, with its length.
            assertEquals("chunked", aborted.header("Transfer-Encoding"), aborted::toString);
            assertEquals(Integer.toString(JdkClientApp.batchBodyLength()), resent.header("Content-Length"), resent::toString);
        }
        RequestRecord older = byTestId("be-0");
        assertEquals(dev.rtbe.simulator.Outcome.COMPLETED, older.outcome(), older::toString);
        assertEquals(1, sim.records().stream().filter(x -> "be-0".equals(x.header("X-Test-Id"))).count());
        RequestRecord rt = byTestId("rt");
        // The server freed the aborted call's slot, and the stream took it: it did not wait for a batch call.
        assertTrue(rt.startNanos() >= aborted.endNanos(), "the stream started before the slot was free: " + rt);
        assertTrue(rt.startNanos() < older.endNanos(), "the stream waited for a batch call to finish: " + rt);
        assertTrue(resent.startNanos() >= rt.startNanos(), "the re-sent call overtook the stream: " + resent);

        // Each batch call got exactly one whole response body: the final attempt's.
        for (String id : List.of("be-0", "be-1")) {
            String body = new String(java.util.Base64.getDecoder().decode(r.value("BODY-" + id)), StandardCharsets.UTF_8);
            assertTrue(body.trim().startsWith("{") && body.trim().endsWith("}"), body);
            assertEquals(1, body.split("\"done\":true", -1).length - 1, body);
            assertTrue(body.contains("\"eval_count\":10"), body);
        }
        String olderBody = r.value("BODY-be-0");
        String youngerBody = r.value("BODY-be-1");
        assertEquals(responseText(olderBody), responseText(youngerBody));

        List<String> calls = r.stderr().lines().filter(l -> l.startsWith("[rtbe] call BE")).collect(Collectors.toList());
        assertEquals(2, calls.size(), r::toString);
        assertEquals(1, calls.stream().filter(l -> l.contains(" preempted=1 ") && l.contains("outcome=completed")).count(),
                r::toString);
    }

    private static String responseText(String base64) {
        String body = new String(java.util.Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"response\":\"([^\"]*)\"").matcher(body);
        assertTrue(m.find(), body);
        return m.group(1);
    }

    @Test
    void theSlotIsHeldThroughASlowStreamAndReleasedAtItsEnd() {
        assertIdle(run(app(1), "hold-stream"));
        assertTrue(byTestId("be").startNanos() >= byTestId("rt").endNanos(), () -> sim.records().toString());
    }

    @Test
    void anInterruptedWaiterLeavesWithItsInterruptStatusSet() {
        ForkedJvm.Result r = run(app(1), "interrupt");
        assertEquals("InterruptedException stillInterrupted=true", r.value("INTERRUPT"));
        assertIdle(r);
    }

    @Test
    void everyBodyHandlerGetsTheWholeBodyAndReleasesTheSlot() {
        ForkedJvm.Result r = run(app(1), "handlers");
        List<String> lines = r.lines("HANDLER");
        assertEquals(10, lines.size(), r::toString);
        for (String line : lines) {
            assertTrue(line.endsWith("same=true inFlight=0"), line);
        }
        assertIdle(r);
    }

    @Test
    void aBodyNeverReadNorClosedIsTakenBackAfterMaxHold() {
        // 3 s: HELD is read after send returns, and on a loaded machine that took over 1 s once.
        ForkedJvm.Result r = run(app(1).property("rtbe.slots.max-hold", "3s"), "max-hold");
        assertEquals("1", r.value("HELD"), r::toString);
        assertEquals("0 200", r.value("RECLAIMED"));
        assertTrue(r.stderr().contains("held its slot past rtbe.slots.max-hold"), r::toString);
    }

    @Test
    void theHeaderIsKeptWhenStrippingIsOff() {
        run(app(2).property("rtbe.classify.header-strip", false), "classify");
        assertEquals(1, sim.records().stream().filter(x -> "realtime".equals(x.header("X-Rtbe-Priority"))).count());
    }

    @Test
    void otherHostsAreUntouched() throws IOException {
        ForkedJvm.Result r = new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + freePort())
                .property("rtbe.slots.total", 1).run(JdkClientApp.class, "concurrent", sim.baseUri().toString(), "4");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(4, sim.maxObservedConcurrency(), "the agent must not gate a host it was not given");
    }

    @Test
    void aBadSettingIsReportedAndTheApplicationStillRuns() {
        ForkedJvm.Result r = new ForkedJvm().property("rtbe.slots.total", "zero").property("rtbe.rt.order", "random")
                .run(JdkClientApp.class, "concurrent", sim.baseUri().toString(), "2");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("rtbe.slots.total = \"zero\" (system property): not an integer"), r::toString);
        assertTrue(r.stderr().contains("rtbe.rt.order = \"random\""), r::toString);
        assertEquals("agent-off", r.value("STATE"));
        assertEquals(2, sim.records().size());
    }

    @Test
    void theAgentStartsAtTheFirstClientClassAndNotAtAllInAJvmWithoutOne() {
        ForkedJvm.Result idle = app(1).jvmArg("-Xlog:class+load=info:stdout").run(NoClientApp.class);
        assertEquals(0, idle.exitCode(), idle::toString);
        assertEquals("false", idle.value("AGENT-RUNNING"), idle::toString);
        assertTrue(idle.stderr().contains("attached: it starts when the first class of an HTTP client loads"),
                idle::toString);
        assertFalse(idle.stderr().contains("started: endpoints="), idle::toString); // the settings were never read
        // Premain loads two classes of the agent's, by the system loader, and never appends to the boot class path.
        assertEquals(List.of("dev.rtbe.agent.RtbeAgent", "dev.rtbe.agent.ClientWatch"), idle.stdout().lines()
                .filter(l -> l.contains("[class,load]") && l.contains("rtbe-agent.jar")).map(l -> l.replaceAll(".* (dev\\.rtbe\\.\\S+) .*", "$1"))
                .collect(Collectors.toList()), idle::toString);
        assertEquals("false", idle.value("AGENT-ON-BOOT-CLASS-PATH"), idle::toString);

        ForkedJvm.Result r = run(app(1), "concurrent", "3");
        assertTrue(r.stderr().contains("on the first load of jdk.internal.net.http."), r::toString);
        assertEquals(1, sim.maxObservedConcurrency(), r::toString);
        assertIdle(r);
    }

    @Test
    void attachedLateItStartsAtOnceAndGatesTheClientLoadedBeforeIt() {
        ForkedJvm.Result r = app(1).withoutAgent().property("jdk.attach.allowAttachSelf", true)
                .run(LateAttachApp.class, sim.baseUri().toString(), ForkedJvm.AGENT_JAR.toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("false", r.value("AGENT-RUNNING-BEFORE"), r::toString);
        assertEquals("true", r.value("AGENT-RUNNING"), r::toString);
        assertTrue(r.stderr().contains("on the first load of jdk.internal.net.http."), r::toString);
        assertEquals(4, sim.records().size(), r::toString);
        assertEquals(1, sim.maxObservedConcurrency(), r::toString); // the three calls after the attach: one at a time
        assertIdle(r);
    }

    @Test
    void strictModeStartsEverythingAtPremain() {
        ForkedJvm.Result r = run(app(1).property("rtbe.strict", true), "concurrent", "3");
        assertTrue(r.stderr().contains(" at premain (rtbe.strict=true) in "), r::toString);
        assertEquals(1, sim.maxObservedConcurrency(), r::toString);
        assertIdle(r);
    }

    @Test
    void strictModeRefusesToStartOnABadSetting() {
        ForkedJvm.Result r = new ForkedJvm().property("rtbe.slots.total", "zero").property("rtbe.strict", true)
                .run(JdkClientApp.class, "concurrent", sim.baseUri().toString(), "1");
        assertFalse(r.exitCode() == 0, r::toString);
        assertTrue(sim.records().isEmpty());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
