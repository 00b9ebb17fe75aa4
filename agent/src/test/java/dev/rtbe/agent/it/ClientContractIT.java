package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import dev.rtbe.agent.it.OtlpReceiver.Received;
import dev.rtbe.agent.it.apps.ChildFirstLauncher;
import dev.rtbe.agent.it.apps.ResettingServer;
import dev.rtbe.agent.it.apps.contract.ClientDriver;
import dev.rtbe.agent.it.apps.contract.ContractApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.Outcome;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimHeaders;
import dev.rtbe.simulator.SimulatorConfig;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One contract that every client variant meets, in forked JVMs with the built agent jar against
 * the Ollama simulator (more slots than the agent allows, so any limit it sees is the agent's).
 * Per variant, ONE application JVM ({@link ContractApp}) runs every scenario in turn with
 * N=2, R=1, LIFO for RT and promotion after 1 s (the R=0 scenario on a server of its own with
 * R=0, the preempt scenario on one with N=1 and preemption). Calls that keep slots taken while a
 * scenario sets up are held at the server until the scenario opens their gates ({@link GateControl}),
 * so no scenario depends on the machine's speed. The tests then read what the servers
 * recorded (arrival, start, first token, end, disconnect), what the application printed, and the
 * spans the agent exported over OTLP. Variants run two at a time (each its own servers and JVM;
 * the scenarios of one JVM stay in turn, as they share its scheduler's view). A variant's
 * {@link ClientVariant#cannot} cells are skipped with their reason; its
 * {@link ClientVariant#knownFailures} cells must fail (and fail the build once they pass).
 * {@code -Drtbe.contract.versions=true} runs the version matrix rows instead of the main rows;
 * {@code -Drtbe.contract.only=row,row} runs only the rows named.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("variants")
@Execution(ExecutionMode.CONCURRENT)
class ClientContractIT {
    /** Those whose spans the tests read come first: spans of the last calls are only flushed as the JVM exits. */
    static final String[] MAIN_SCENARIOS = {"telemetry", "classify", "aging", "flood", "overtake", "lifo", "queue-limit",
            "priority-only", "early-close", "cancel-queued", "reader-throws", "reset", "refused", "redirect", "timeout", "preempt"};
    private static final String SCOPE = "dev.rtbe.agent";
    /**
     * When a batch call passed over by streams (running beyond the reserved slot) is promoted. Elsewhere than in the
     * aging scenario a batch call is passed over only once the stream it waits behind has its slot, so a promotion
     * there would change no order the tests check.
     */
    private static final long PROMOTION_MS = 1000;

    static Stream<ClientVariant> variants() {
        Stream<ClientVariant> rows = Boolean.getBoolean("rtbe.contract.versions")
                ? ClientVariants.versionMatrix() : ClientVariants.main();
        String only = System.getProperty("rtbe.contract.only", ""); // a comma-separated list of rows, to run a few
        // A quarantined row runs only when named here (see ClientVariants.quarantined).
        return only.isEmpty() ? rows : Stream.concat(rows, ClientVariants.quarantined())
                .filter(v -> List.of(only.split(",")).contains(v.name));
    }

    /** What one variant's run left behind, read by every test of that variant. */
    private record Run(ForkedJvm.Result main, List<RequestRecord> records, List<RequestRecord> priorityRecords,
                       List<Received> spans, int redirected, List<RequestRecord> preemptRecords, String uninterrupted) {}

    /** By variant name: variants run side by side. */
    private static final Map<String, Run> RUNS = new ConcurrentHashMap<>();

    @Parameter
    ClientVariant variant;

    private Run run;

    @BeforeEach
    void readRun() {
        run = RUNS.get(variant.name);
    }

    @BeforeParameterizedClassInvocation
    static void runApplications(ClientVariant variant) throws Exception {
        RUNS.remove(variant.name);
        if (variant.jars != null) {
            assertTrue(Files.isDirectory(variant.jars), "the pom copies these jars: " + variant.jars);
        }
        SimulatorConfig config = SimulatorConfig.builder().slots(8).acceptAnyModel(true).modelLoadTime(Duration.ZERO)
                .promptTokensPerSecond(1_000_000).decodeTokensPerSecond(100).decodeSlowdown(0).build();
        try (OllamaSimulator sim = OllamaSimulator.start(config); OllamaSimulator prioritySim = OllamaSimulator.start(config);
             OllamaSimulator preemptSim = OllamaSimulator.start(config); OtlpReceiver otlp = new OtlpReceiver();
             ResettingServer resetting = new ResettingServer()) {
            AtomicInteger redirected = new AtomicInteger();
            HttpServer redirector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            redirector.createContext("/", exchange -> {
                redirected.incrementAndGet();
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Location", sim.baseUri() + exchange.getRequestURI().toString());
                exchange.sendResponseHeaders(307, -1);
                exchange.close();
            });
            redirector.start();
            // The preempt scenario asks here how far the batch call's first attempt got.
            ProgressProbe progress = ProgressProbe.of(preemptSim, r -> r.model().startsWith(ContractApp.PREEMPTED));
            // A call whose model names it a holder keeps its slot at the server until its scenario opens its gate.
            sim.holdModels(ContractApp::holds);
            prioritySim.holdModels(ContractApp::holds);
            // The preempt scenario's batch call pauses where its stream comes, until it is preempted.
            preemptSim.pauseModels(ContractApp.PREEMPTED::equals, ContractApp.PREEMPT_AT);
            GateControl gates = new GateControl(sim, prioritySim, preemptSim);
            try {
                int resetPort = resetting.port();
                int refusedPort = freePort();
                String redirectUrl = "http://127.0.0.1:" + redirector.getAddress().getPort();
                String endpoints = String.join(",", "127.0.0.1:" + sim.port(), "127.0.0.1:" + resetPort,
                        "127.0.0.1:" + refusedPort, "127.0.0.1:" + redirector.getAddress().getPort(),
                        "priority@127.0.0.1:" + prioritySim.port(), "preempting@127.0.0.1:" + preemptSim.port());
                Urls urls = new Urls(sim.baseUri().toString(), resetPort, refusedPort, redirectUrl,
                        prioritySim.baseUri().toString(), preemptSim.baseUri().toString(), progress.url(), gates.url());
                ForkedJvm main = new ForkedJvm().property("rtbe.endpoints", endpoints)
                        // Each call names itself in its model field; one pool per server keeps every
                        // scenario's calls in one pool (pools per model have tests of their own).
                        .property("rtbe.pools.by-model", "false")
                        .property("rtbe.slots.total", 2).property("rtbe.slots.rt-reserved", 1)
                        .property("rtbe.rt.order", "lifo")
                        .property("rtbe.aging.threshold", "400ms").property("rtbe.aging.promotion", PROMOTION_MS + "ms")
                        .property("rtbe.queue.be.max-length", 6)
                        // The priority-only scenario's server: no slot reserved for RT.
                        .property("rtbe.server.priority.slots.rt-reserved", 0)
                        // The preempt scenario's server: one slot, taken back from batch work for a stream.
                        .property("rtbe.server.preempting.slots.total", 1)
                        .property("rtbe.server.preempting.slots.rt-reserved", 0)
                        .property("rtbe.server.preempting.preemption", "transparent")
                        .property("rtbe.classify.rt-stack", "dev.rtbe.agent.it.apps.contract.InteractiveChat#reply")
                        .property("rtbe.classify.rt-threads", "rt-worker-*,user-*")
                        .property("otel.exporter.otlp.endpoint", otlp.endpoint())
                        .property("otel.service.name", "contract-" + variant.name)
                        .property("otel.metric.export.interval", 600_000)
                        .timeout(Duration.ofMinutes(5));
                long started = System.nanoTime();
                // A scenario the variant cannot do is not run (its cell is skipped with the reason): the preempt
                // scenario would wait in vain for a preemption of a call that cannot be sent again.
                String[] scenarios = Stream.of(MAIN_SCENARIOS).filter(s -> !variant.cannot.containsKey(s))
                        .toArray(String[]::new);
                ForkedJvm.Result mainResult = launch(main, variant, urls, scenarios);
                System.out.printf("contract %s: JVM %d ms%n", variant.name,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                sim.await(() -> sim.running() == 0, Duration.ofSeconds(20));
                prioritySim.await(() -> prioritySim.running() == 0, Duration.ofSeconds(20));
                preemptSim.await(() -> preemptSim.running() == 0, Duration.ofSeconds(20));
                List<RequestRecord> preemptRecords = preemptSim.records();
                preemptSim.openGate(ContractApp.PREEMPTED); // whatever the scenario did: the reference call below must not pause
                // The main JVM flushed its spans as it exited; wait for the telemetry call's span to be in.
                try {
                    otlp.await(() -> otlp.spansOf(SCOPE).stream().anyMatch(s -> "telemetry".equals(s.attr("gen_ai.request.model"))),
                            "the telemetry scenario's span");
                } catch (AssertionError missing) {
                    // the telemetry test reports it
                }
                RUNS.put(variant.name, new Run(mainResult, sim.records(), prioritySim.records(), otlp.spansOf(SCOPE),
                        redirected.get(), preemptRecords, uninterruptedAnswer(preemptSim)));
            } finally {
                redirector.stop(0);
                progress.close();
                gates.close();
            }
        }
    }

    @AfterParameterizedClassInvocation
    static void forget(ClientVariant variant) {
        RUNS.remove(variant.name);
    }

    /** Where the application's calls go (ContractApp's arguments before the scenarios). */
    private record Urls(String sim, int resetPort, int refusedPort, String redirect, String priority, String preempt,
                        String progress, String gates) {}

    /**
     * The text the preempt scenario's batch call would have got uninterrupted: the same request, sent
     * straight to the simulator (which answers it deterministically).
     */
    private static String uninterruptedAnswer(OllamaSimulator sim) throws Exception {
        ClientDriver.Call call = new ClientDriver.Call(sim.baseUri().toString(), ContractApp.PREEMPTED, false,
                ContractApp.PREEMPT_TOKENS, null, 0);
        // Generated at once: the simulator's text depends on the request, not its timing.
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(call.chatUrl()))
                .header(SimHeaders.GEN_MS, "0").POST(HttpRequest.BodyPublishers.ofString(call.json())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        Map<?, ?> message = (Map<?, ?>) ((Map<?, ?>) dev.rtbe.simulator.Json.parse(r.body())).get("message");
        return (String) message.get("content");
    }

    private static ForkedJvm.Result launch(ForkedJvm jvm, ClientVariant variant, Urls urls, String... scenarios) {
        List<String> args = new ArrayList<>();
        if (variant.jars != null) {
            args.add(variant.jars.toString());
            args.add(ContractApp.class.getName());
        }
        args.addAll(List.of(variant.driver, urls.sim(), Integer.toString(urls.resetPort()),
                Integer.toString(urls.refusedPort()), urls.redirect(), urls.priority(), urls.preempt(), urls.progress(), urls.gates()));
        args.addAll(List.of(scenarios));
        return jvm.run(variant.jars == null ? ContractApp.class : ChildFirstLauncher.class, args.toArray(new String[0]));
    }

    // ---- the cell wrapper

    private interface Check {
        void run() throws Exception;
    }

    /**
     * Runs one cell: the scenario's common checks (it ran, nothing errored, the agent ended idle)
     * and then its own. Honours the variant's cannot / known-failure options and notes the result
     * in target/contract-matrix.tsv.
     */
    private void cell(String scenario, Check check) throws Exception {
        String cannot = variant.cannot.get(scenario);
        if (cannot != null) {
            note(scenario, "cannot", cannot);
            Assumptions.abort("cannot: " + cannot);
        }
        assertNotNull(run, "the applications did not run");
        String known = variant.knownFailures.get(scenario);
        ForkedJvm.Result r = run.main;
        try {
            assertEquals(0, r.exitCode(), r::toString);
            assertTrue(r.value("DRIVER").contains(variant.expected), () -> "not the intended client: " + r.value("DRIVER"));
            assertTrue(r.lines("DONE " + scenario + " ").size() == 1, () -> "scenario did not run: " + r);
            assertTrue(r.lines("ERROR " + scenario + " ").isEmpty(), () -> "scenario failed: " + r);
            assertEquals("inFlight=0 queued=0", r.value("STATE-" + scenario), r::toString);
            check.run();
        } catch (AssertionError e) {
            if (known != null) {
                note(scenario, "known failure", known);
                Assumptions.abort("known failure (" + known + "): " + e.getMessage());
            }
            note(scenario, "FAIL", e.getMessage().lines().findFirst().orElse(""));
            throw e;
        }
        if (known != null) {
            note(scenario, "UNEXPECTED PASS", known);
            fail("passes now: drop the known-failure marker of " + variant.name + " / " + scenario + " (" + known + ")");
        }
        note(scenario, "pass", "");
    }

    private void note(String scenario, String result, String detail) throws IOException {
        String ms = "";
        if (run != null) {
            ForkedJvm.Result r = run.main;
            ms = r.lines("DONE " + scenario + " ").stream().map(l -> l.substring(l.lastIndexOf(' ') + 1)).findFirst().orElse("");
        }
        Path file = ForkedJvm.AGENT_JAR.getParent().resolve("contract-matrix.tsv");
        Files.writeString(file, String.join("\t", variant.name, scenario, result, ms, detail.replace('\n', ' ')) + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    // ---- reading the run

    private RequestRecord record(String model) {
        return find(model).orElseThrow(() -> new AssertionError("the server never saw " + model + ": " + models()));
    }

    private Optional<RequestRecord> find(String model) {
        return find(run.records, model);
    }

    private static Optional<RequestRecord> find(List<RequestRecord> records, String model) {
        return records.stream().filter(r -> r.model().equals(model) || r.model().equals(model + ":latest")).findFirst();
    }

    /** A call of the priority-only scenario, on its own server. */
    private RequestRecord priorityRecord(String model) {
        return find(run.priorityRecords, model).orElseThrow(() -> new AssertionError("the priority server never saw "
                + model + ": " + run.priorityRecords.stream().map(RequestRecord::model).toList()));
    }

    private List<String> models() {
        return run.records.stream().map(RequestRecord::model).collect(Collectors.toList());
    }

    private List<RequestRecord> records(String prefix) {
        return run.records.stream().filter(r -> r.model().startsWith(prefix)).collect(Collectors.toList());
    }

    private String value(String key) {
        return run.main.value(key);
    }

    private void assertCalledOk(String prefix) {
        List<String> calls = run.main.lines("CALL " + prefix).stream().filter(l -> !l.endsWith(" ok"))
                .filter(l -> !variant.cannot.containsKey(l.split(" ")[1])).toList();
        assertTrue(calls.isEmpty(), () -> "calls failed: " + calls);
    }

    private Received span(String model) {
        return run.spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
                .filter(s -> model.equals(s.attr("gen_ai.request.model"))).findFirst()
                .orElseThrow(() -> new AssertionError("no span for " + model + " in " + run.spans.stream()
                        .map(s -> s.span().getName()).toList() + "; the agent said: " + run.main.stderr().lines()
                        .filter(l -> l.contains("rtbe") || l.contains("xport")).limit(20).toList()));
    }

    private void assertStartsBefore(String first, String then) {
        assertStartsBefore(record(first), record(then));
    }

    private static void assertStartsBefore(RequestRecord a, RequestRecord b) {
        String first = a.model();
        String then = b.model();
        assertTrue(a.startNanos() < b.startNanos(), () -> first + " should start before " + then + ": " + a + " / " + b);
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    // ---- scheduling

    @Test
    void floodAndCap() throws Exception {
        cell("flood", () -> {
            assertCalledOk("flood-");
            assertEquals(8, records("flood-").size(), () -> models().toString());
            int peak = run.records.stream().mapToInt(RequestRecord::runningAtStart).max().orElse(0);
            assertTrue(peak <= 2, "the server ran " + peak + " calls at once; the agent allows 2");
            List<RequestRecord> batch = records("flood-be-");
            for (RequestRecord a : batch) {
                for (RequestRecord b : batch) {
                    assertTrue(a == b || a.endNanos() <= b.startNanos() || b.endNanos() <= a.startNanos(),
                            () -> "two batch calls ran at once with a slot reserved: " + a + " / " + b);
                }
            }
            long lastBatchStart = batch.stream().mapToLong(RequestRecord::startNanos).max().orElseThrow();
            for (RequestRecord rt : records("flood-rt-")) {
                assertTrue(rt.startNanos() < lastBatchStart, () -> "a stream waited behind the batch calls: " + rt);
            }
        });
    }

    @Test
    void rtOvertakesWaitingBatchCalls() throws Exception {
        cell("overtake", () -> {
            assertCalledOk("overtake-");
            for (int i = 0; i < 3; i++) {
                assertStartsBefore("overtake-rt", "overtake-be-" + i);
            }
        });
    }

    @Test
    void priorityOnlyLetsBatchUseEverySlotYetRtGoesFirst() throws Exception {
        cell("priority-only", () -> {
            assertCalledOk("priority-");
            RequestRecord a = priorityRecord("priority-be-hold-0");
            RequestRecord b = priorityRecord("priority-be-hold-1");
            assertTrue(a.startNanos() < b.endNanos() && b.startNanos() < a.endNanos(),
                    "with R=0 two batch calls should run at once: " + a + " / " + b);
            assertStartsBefore(priorityRecord("priority-rt"), priorityRecord("priority-be-0"));
            assertStartsBefore(priorityRecord("priority-rt"), priorityRecord("priority-be-1"));
        });
    }

    @Test
    void lifoServesTheNewestWaitingStreamFirst() throws Exception {
        cell("lifo", () -> {
            assertCalledOk("lifo-");
            assertStartsBefore("lifo-rt-b", "lifo-rt-a");
        });
    }

    @Test
    void agingPromotesAWaitingBatchCallPastStreamsWithinItsBound() throws Exception {
        cell("aging", () -> {
            assertCalledOk("aging-");
            assertStartsBefore("aging-be", "aging-rt-0");
            assertStartsBefore("aging-be", "aging-rt-1");
            RequestRecord aged = record("aging-be");
            RequestRecord ahead = record("aging-rt-hold-b"); // the first slot to free
            long bound = TimeUnit.MILLISECONDS.toNanos(PROMOTION_MS) + (ahead.endNanos() - ahead.startNanos());
            long waited = aged.startNanos() - aged.arrivalNanos();
            assertTrue(waited <= bound + TimeUnit.MILLISECONDS.toNanos(300),
                    "waited " + ms(waited) + " ms, bound " + ms(bound) + " ms");
            assertEquals("true", span("aging-be").attr("rtbe.promoted"));
        });
    }

    @Test
    void aFullBatchQueueRejectsBatchButNotRt() throws Exception {
        cell("queue-limit", () -> {
            assertCalledOk("qlimit-be-");
            String rejected = value("REJECTED");
            assertTrue(rejected.startsWith("failed ") && rejected.contains("rtbe.queue.be.max-length"), rejected);
            assertTrue(find("qlimit-be-over").isEmpty(), "a rejected call reached the server");
            assertEquals("ok", value("RT-BESIDE-FULL-QUEUE"));
        });
    }

    // ---- classification

    @Test
    void classifyByHeaderStackThreadAndStreaming() throws Exception {
        cell("classify", () -> {
            assertCalledOk("classify-");
            String[][] expected = {{"classify-header", "header", "rt"}, {"classify-stack", "stack", "rt"},
                    {"classify-thread", "thread", "rt"}, {"classify-streaming", "streaming", "rt"},
                    {"classify-default", "default", "be"}};
            List<String> wrong = new ArrayList<>();
            for (String[] e : expected) {
                if (variant.cannot.containsKey(e[0])) {
                    assertEquals("unsupported", value("CALL " + e[0]));
                    continue;
                }
                Received s = span(e[0]);
                if (!e[1].equals(s.attr("rtbe.classified_by")) || !e[2].equals(s.attr("rtbe.priority"))) {
                    wrong.add(e[0] + " by=" + s.attr("rtbe.classified_by") + " priority=" + s.attr("rtbe.priority"));
                }
            }
            assertTrue(wrong.isEmpty(), "misclassified: " + wrong);
            assertTrue(run.records.stream().allMatch(x -> x.header("X-Rtbe-Priority") == null),
                    "the classification header reached the server");
        });
    }

    // ---- ends of a call

    @Test
    void anEarlyCloseFreesTheSlotAndTheServerAtOnce() throws Exception {
        cell("early-close", () -> {
            assertEquals("true", value("FIRST"));
            RequestRecord r = record("early-close");
            assertEquals(Outcome.DISCONNECTED, r.outcome(), r::toString);
            long freedAfter = r.disconnectNanos() - r.firstTokenNanos();
            assertTrue(freedAfter < TimeUnit.MILLISECONDS.toNanos(500), "the server was freed "
                    + ms(freedAfter) + " ms after the first token");
        });
    }

    @Test
    void aCallGivenUpWhileQueuedLeavesTheQueueAndIsNeverSent() throws Exception {
        cell("cancel-queued", () -> {
            assertTrue(value("CANCEL").startsWith("queued=0 "), value("CANCEL"));
            assertTrue(find("cancel-queued").isEmpty(), "a cancelled call reached the server");
        });
    }

    @Test
    void anApplicationThatThrowsWhileReadingFreesTheSlotAndTheServer() throws Exception {
        cell("reader-throws", () -> {
            assertEquals("true", value("THREW"));
            RequestRecord r = record("reader-throws");
            assertEquals(Outcome.DISCONNECTED, r.outcome(), r::toString);
        });
    }

    @Test
    void aServerResetMidStreamFailsTheCallAndFreesTheSlot() throws Exception {
        cell("reset", () -> assertTrue(value("RESET").startsWith("failed "), value("RESET")));
    }

    @Test
    void aRefusedConnectionFailsTheCallAndFreesTheSlot() throws Exception {
        cell("refused", () -> assertTrue(value("REFUSED").startsWith("failed "), value("REFUSED")));
    }

    @Test
    void aRedirectedCallHoldsOneSlotAcrossItsHops() throws Exception {
        cell("redirect", () -> {
            assertEquals("ok grants=1", value("REDIRECT"));
            assertEquals(1, run.redirected);
            assertEquals(Outcome.COMPLETED, record("redirect").outcome());
        });
    }

    @Test
    void theClientsOwnTimeoutBoundsTheQueueWait() throws Exception {
        cell("timeout", () -> {
            assertTrue(value("TIMEOUT").startsWith("failed "), value("TIMEOUT"));
            assertEquals("0", value("TIMEOUT-QUEUED"));
            assertTrue(find("timeout").isEmpty(), "a call that timed out while queued reached the server");
        });
    }

    // ---- preemption

    @Test
    void aBatchCallPreemptedByAStreamIsContinuedAndAnsweredWhole() throws Exception {
        cell("preempt", () -> {
            assertEquals("ok", value("CALL preempt-rt"));
            assertEquals("1", value("PREEMPTIONS"), "preemptions");
            List<RequestRecord> attempts = run.preemptRecords.stream().filter(r -> r.model().startsWith(ContractApp.PREEMPTED))
                    .toList();
            assertEquals(2, attempts.size(), attempts::toString);
            RequestRecord cut = attempts.get(0);
            RequestRecord rest = attempts.get(1);
            assertEquals(Outcome.DISCONNECTED, cut.outcome(), cut::toString);
            assertEquals(Outcome.COMPLETED, rest.outcome(), rest::toString);
            RequestRecord rt = run.preemptRecords.stream().filter(r -> r.model().startsWith("preempt-rt")).findFirst()
                    .orElseThrow(() -> new AssertionError("the stream never reached the server"));
            assertTrue(rt.startNanos() < rest.startNanos(), () -> "the stream ran first: " + rt + " / " + rest);
            assertTrue(cut.evalCount() >= ContractApp.PREEMPT_AT, cut::toString);
            assertTrue(rest.evalCount() < ContractApp.PREEMPT_TOKENS,
                    () -> "the second attempt continued the kept output, it did not start again: " + rest);
            String body = new String(java.util.Base64.getDecoder().decode(value("PREEMPT-BODY")), StandardCharsets.UTF_8);
            assertTrue(body.contains(run.uninterrupted) && body.contains("\"done\":true"),
                    () -> "the application's answer is not the uninterrupted one: " + body);
        });
    }

    // ---- telemetry

    @Test
    void oneClientSpanWithGenAiAttributesAndThreeChildren() throws Exception {
        cell("telemetry", () -> {
            assertCalledOk("telemetry");
            Received call = span("telemetry");
            assertEquals("contract-" + variant.name, call.service());
            assertEquals("ollama", call.attr("gen_ai.provider.name"));
            assertEquals("POST", call.attr("http.request.method"));
            assertEquals("200", call.attr("http.response.status_code"));
            assertEquals("10", call.attr("gen_ai.usage.output_tokens"));
            assertEquals("rt", call.attr("rtbe.priority"));
            List<Received> children = run.spans.stream().filter(s -> s.parentSpanId().equals(call.spanId())).toList();
            assertEquals(List.of("decode", "queue", "time to first token"),
                    children.stream().map(c -> c.span().getName()).sorted().toList());
            for (Received child : children) {
                assertEquals(call.traceId(), child.traceId());
                assertTrue(child.span().getStartTimeUnixNano() >= call.span().getStartTimeUnixNano());
                assertTrue(child.span().getEndTimeUnixNano() <= call.span().getEndTimeUnixNano());
            }
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
