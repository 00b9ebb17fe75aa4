package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.it.apps.FleetApp;
import dev.rtbe.agent.ledger.redis.EmbeddedRedis;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimulatorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Three forked JVMs with the agent in fleet mode, one embedded Redis, one simulator with more slots
 * than the fleet's N=4 (R=1): every limit the simulator sees comes from the shared ledger.
 */
class FleetIT {
    private static final int N = 4;

    private static ForkedJvm member(OllamaSimulator sim, EmbeddedRedis redis) {
        return new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + sim.port())
                .property("rtbe.slots.total", N).property("rtbe.slots.rt-reserved", 1)
                .property("rtbe.coordination", redis.url()).property("rtbe.coordination.fleet", "it")
                .property("rtbe.telemetry.exporter", "none");
    }

    @Test
    void threeJvmsShareTheSlotsTheReservationAndRtOvertakesBatchOfOtherJvms() throws Exception {
        try (EmbeddedRedis redis = new EmbeddedRedis();
             OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(12).build())) {
            String url = sim.baseUri().toString();
            CompletableFuture<ForkedJvm.Result> a = CompletableFuture.supplyAsync(
                    () -> member(sim, redis).run(FleetApp.class, url, "be", "10", "1500", "a"));
            CompletableFuture<ForkedJvm.Result> b = CompletableFuture.supplyAsync(
                    () -> member(sim, redis).run(FleetApp.class, url, "be", "10", "1500", "b"));
            sim.await(() -> sim.running() >= N - 1, Duration.ofSeconds(60));
            ForkedJvm.Result c = member(sim, redis).run(FleetApp.class, url, "rt", "3", "100", "c");
            for (ForkedJvm.Result r : List.of(a.join(), b.join(), c)) {
                assertEquals(0, r.exitCode(), r::toString);
                assertTrue(r.lines("ERROR").isEmpty(), r::toString);
                assertEquals("redis", r.value("MODE"), r::toString);
                assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
            }
            List<RequestRecord> records = sim.records();
            assertEquals(23, records.size());
            assertTrue(sim.maxObservedConcurrency() <= N, "the server saw " + sim.maxObservedConcurrency());
            List<RequestRecord> batch = records.stream().filter(r -> r.header("X-Test-Id").contains("-be-"))
                    .collect(Collectors.toList());
            assertTrue(maxOverlap(batch) <= N - 1, "batch calls of two JVMs took the reserved slot");
            for (RequestRecord rt : records) {
                if (rt.header("X-Test-Id").contains("-rt-")) {
                    long overtaken = batch.stream().filter(be -> be.startNanos() > rt.startNanos()).count();
                    assertTrue(overtaken > 0, "RT call " + rt.header("X-Test-Id") + " overtook no queued batch call");
                }
            }
        }
    }

    @Test
    void theSlotsOfAKilledJvmReturnWithinTheSessionTtl() throws Exception {
        Path pidFile = Files.createTempFile("rtbe-fleet", ".pid");
        try (EmbeddedRedis redis = new EmbeddedRedis();
             OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(12).build())) {
            String url = sim.baseUri().toString();
            // the victim holds every slot BE may take (N - R = 3) with calls that would run for a minute
            CompletableFuture<ForkedJvm.Result> victim = CompletableFuture.supplyAsync(() -> member(sim, redis)
                    .property("rtbe.coordination.session-ttl", "2s")
                    .run(FleetApp.class, url, "be", "3", "60000", "victim", pidFile.toString()));
            sim.await(() -> sim.running() == N - 1, Duration.ofSeconds(60));
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly()); // SIGKILL: no release, no goodbye
            long killed = System.nanoTime();
            assertTrue(victim.join().exitCode() != 0);
            ForkedJvm.Result survivor = member(sim, redis).property("rtbe.coordination.session-ttl", "2s")
                    .run(FleetApp.class, url, "be", "3", "100", "survivor");
            assertEquals(0, survivor.exitCode(), survivor::toString);
            assertTrue(survivor.lines("ERROR").isEmpty(), survivor::toString);
            assertEquals("redis", survivor.value("MODE"), survivor::toString);
            long firstStart = sim.records().stream().filter(r -> r.header("X-Test-Id").startsWith("survivor"))
                    .mapToLong(RequestRecord::startNanos).min().orElseThrow();
            // the victim's session (2 s) had to expire first; a heartbeat (every 2/3 s) then frees its slots
            assertTrue(firstStart - killed < Duration.ofSeconds(30).toNanos(), "the dead JVM's slots never returned");
        } finally {
            Files.deleteIfExists(pidFile);
        }
    }

    /** The most calls of the list that ran at the same moment. */
    private static int maxOverlap(List<RequestRecord> records) {
        int max = 0;
        for (RequestRecord r : records) {
            long t = r.startNanos();
            int running = (int) records.stream().filter(o -> o.startNanos() <= t && o.endNanos() > t).count();
            max = Math.max(max, running);
        }
        return max;
    }
}
