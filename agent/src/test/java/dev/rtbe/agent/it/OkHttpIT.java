package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.it.apps.ChildFirstLauncher;
import dev.rtbe.agent.it.apps.OkHttpClientApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.Outcome;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimulatorConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * OkHttp's own quirks beyond the client contract suite (ClientContractIT, which also runs OkHttp
 * 3.x and 5.x in the version matrix): a stream read byte by byte, a read timeout, a call cancelled
 * while its stream is read, an interrupted waiter, layered calls, and the header kept when
 * stripping is off, for {@code execute} and {@code enqueue}. Three JVMs: one slot and every
 * scenario in turn ({@link OkHttpClientApp}), two slots with header stripping off, and an
 * endpoint list without the simulator. The tests below read what those runs recorded.
 */
class OkHttpIT {
    // What the client contract suite (ClientContractIT) does not cover: OkHttp's own quirks.
    private static final String[] SUITE = {"hold-stream", "timeout", "cancel-in-flight", "interrupt", "layered"};
    private static final String[] MODES = {"sync", "async"};

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OkHttp4 extends Runs {
        OkHttp4() {
            super(null, "okhttp-4.");
        }
    }

    abstract static class Runs {
        private final Path okhttp3Jars;
        private final String expectedJar;
        private OllamaSimulator sim;
        private ForkedJvm.Result suite;
        private List<RequestRecord> suiteRecords;
        private int suiteConcurrency;
        private ForkedJvm.Result classify;
        private List<RequestRecord> classifyRecords;
        private ForkedJvm.Result otherHosts;
        private int otherHostsConcurrency;

        Runs(Path okhttp3Jars, String expectedJar) {
            this.okhttp3Jars = okhttp3Jars;
            this.expectedJar = expectedJar;
        }

        @BeforeAll
        void runApplications() throws Exception {
            if (okhttp3Jars != null) {
                assertTrue(Files.isDirectory(okhttp3Jars), "OkHttp 3 jars are copied by the pom: " + okhttp3Jars);
            }
            sim = OllamaSimulator.start(SimulatorConfig.builder().slots(8).build());
            int spareA = freePort();
            int spareB = freePort();
            String sim = "127.0.0.1:" + this.sim.port();
            suite = run(new ForkedJvm().property("rtbe.slots.total", 1).property("rtbe.log.calls", true)
                    .property("rtbe.endpoints", sim + ",127.0.0.1:" + spareA + ",127.0.0.1:" + spareB), spareA, spareB, SUITE);
            this.sim.await(() -> this.sim.running() == 0, Duration.ofSeconds(20));
            suiteRecords = this.sim.records();
            suiteConcurrency = this.sim.maxObservedConcurrency();

            this.sim.reset();
            classify = run(new ForkedJvm().property("rtbe.slots.total", 2).property("rtbe.slots.rt-reserved", 1)
                    .property("rtbe.classify.header-strip", false).property("rtbe.endpoints", sim),
                    spareA, spareB, "classify");
            this.sim.await(() -> this.sim.running() == 0, Duration.ofSeconds(20));
            classifyRecords = this.sim.records();

            this.sim.reset();
            otherHosts = run(new ForkedJvm().property("rtbe.slots.total", 1)
                    .property("rtbe.endpoints", "127.0.0.1:" + spareA), spareA, spareB, "concurrent");
            otherHostsConcurrency = this.sim.maxObservedConcurrency();
        }

        @AfterAll
        void stopSimulator() {
            sim.close();
        }

        private ForkedJvm.Result run(ForkedJvm jvm, int spareA, int spareB, String... scenarios) {
            List<String> args = new ArrayList<>();
            if (okhttp3Jars != null) {
                args.add(okhttp3Jars.toString());
                args.add(OkHttpClientApp.class.getName());
            }
            args.add(sim.baseUri().toString());
            args.add(Integer.toString(spareA));
            args.add(Integer.toString(spareB));
            args.addAll(List.of(scenarios));
            ForkedJvm.Result r = jvm.run(okhttp3Jars == null ? OkHttpClientApp.class : ChildFirstLauncher.class,
                    args.toArray(new String[0]));
            assertEquals(0, r.exitCode(), r::toString);
            assertTrue(r.value("OKHTTP").startsWith(expectedJar), r::toString);
            assertTrue(r.lines("ERROR").isEmpty(), r::toString);
            assertEquals(scenarios.length, r.lines("SCENARIO-DONE").size(), r::toString);
            return r;
        }

        private RequestRecord record(List<RequestRecord> records, String id) {
            return records.stream().filter(r -> id.equals(r.header("X-Test-Id"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no request " + id + " in " + records));
        }

        private RequestRecord suiteRecord(String id) {
            return record(suiteRecords, id);
        }

        @Test
        void everyScenarioEndsWithNothingInFlightOrQueued() {
            for (ForkedJvm.Result r : List.of(suite, classify)) {
                for (String state : r.lines("STATE")) {
                    assertEquals("STATE inFlight=0 queued=0", state, r::toString);
                }
            }
        }

        /**
         * With one slot, no two calls overlap on the server, except by the moment a server takes
         * to notice a connection the client closed (early close, cancel, timeout, reset): the
         * client has let go, the slot is free, and the server's record ends when it notices.
         */
        @Test
        void theServerNeverSeesMoreThanOneCallWithOneSlot() {
            for (RequestRecord a : suiteRecords) {
                for (RequestRecord b : suiteRecords) {
                    boolean overlap = a != b && a.startNanos() < b.startNanos() && b.startNanos() < a.endNanos();
                    assertTrue(!overlap || a.outcome() != Outcome.COMPLETED, () -> "overlap: " + a + " and " + b);
                }
            }
            assertTrue(suiteConcurrency <= 2, "saw " + suiteConcurrency);
        }

        @Test
        void theSlotIsHeldThroughASlowStreamAndReleasedAtItsEnd() {
            for (String mode : MODES) {
                assertTrue(suiteRecord("hold-" + mode + "-be").startNanos() >= suiteRecord("hold-" + mode + "-rt").endNanos(),
                        suiteRecords::toString);
            }
        }

        @Test
        void theCallTimeoutBoundsTheQueueWaitAndAReadTimeoutReleasesTheSlot() {
            for (String mode : MODES) {
                String timeout = suite.value("TIMEOUT-" + mode);
                assertTrue(timeout.startsWith("InterruptedIOException: timeout: rtbe: BE call waited"), timeout);
                assertTrue(timeout.contains("the call's own timeout=0.200s"), timeout);
                assertEquals("SocketTimeoutException", suite.value("READ-TIMEOUT-" + mode));
            }
            assertTrue(suiteRecords.stream().noneMatch(x -> x.header("X-Test-Id").endsWith("-queued")));
        }

        @Test
        void cancellingACallWhileItsStreamIsReadReleasesTheSlot() {
            for (String mode : MODES) {
                assertEquals("0", suite.value("CANCEL-IN-FLIGHT-" + mode));
            }
        }

        @Test
        void anInterruptedWaiterFailsWithItsInterruptStatusSet() {
            assertEquals("InterruptedIOException stillInterrupted=true", suite.value("INTERRUPT"));
        }

        @Test
        void theHeaderIsKeptWhenStrippingIsOff() {
            for (String mode : MODES) {
                assertEquals("rt", record(classifyRecords, "classify-" + mode).header("X-Rtbe-Priority"));
            }
        }

        @Test
        void onlyTheOutermostOfLayeredCallsIsGated() {
            for (String mode : MODES) {
                assertEquals("200 true", suite.value("LAYERED-" + mode));
                assertEquals("200 true", suite.value("NESTED-" + mode));
                long sent = suiteRecords.stream().filter(x -> x.header("X-Test-Id").startsWith("layered-" + mode)).count();
                assertEquals(3, sent, "two tries and one nested call");
            }
        }

        @Test
        void otherHostsAreUntouched() {
            assertEquals(4, otherHostsConcurrency, "the agent must not gate a host it was not given");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
