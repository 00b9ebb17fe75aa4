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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Three forked JVMs with the agent in fleet mode, one embedded Redis, one simulator with more slots
 * than the fleet's N=4 (R=1): every limit the simulator sees comes from the shared ledger.
 */
class FleetIT {
    /**
     * Runs the forked JVMs side by side. Not the common pool: with 2 cores its parallelism is 1, and
     * on JDK 25 (seen in CI) the second JVM then started only after the first had ended.
     */
    private final ExecutorService jvms = Executors.newCachedThreadPool();

    @AfterEach
    void stopWaiting() {
        jvms.shutdownNow();
    }

    private static final int N = 4;

    private static ForkedJvm member(OllamaSimulator sim, EmbeddedRedis redis) {
        return new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + sim.port())
                .property("rtbe.slots.total", N).property("rtbe.slots.rt-reserved", 1)
                .property("rtbe.coordination", redis.url()).property("rtbe.coordination.fleet", "it")
                .property("rtbe.telemetry.exporter", "none");
    }

    /**
     * A and B queue 10 batch calls each; the first N - R to get slots are held at the server (X-Sim-Hold) until
     * C's real-time calls are done, so the other 17 are still queued in the fleet when they come, however long
     * C's JVM takes to start.
     */
    @Test
    void threeJvmsShareTheSlotsTheReservationAndRtOvertakesBatchOfOtherJvms() throws Exception {
        Path readyA = Files.createTempFile("rtbe-fleet-a", ".ready");
        Path readyB = Files.createTempFile("rtbe-fleet-b", ".ready");
        try (EmbeddedRedis redis = new EmbeddedRedis();
             OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(12).build())) {
            String url = sim.baseUri().toString();
            String gate = "batch";
            CompletableFuture<ForkedJvm.Result> a = CompletableFuture.supplyAsync(() -> member(sim, redis)
                    .timeout(Duration.ofMinutes(3)) // it waits for C
                    .run(FleetApp.class, url, "be", "10", "1500", "a", readyA.toString(), gate), jvms);
            CompletableFuture<ForkedJvm.Result> b = CompletableFuture.supplyAsync(() -> member(sim, redis)
                    .timeout(Duration.ofMinutes(3))
                    .run(FleetApp.class, url, "be", "10", "1500", "b", readyB.toString(), gate), jvms);
            awaitReady(sim, readyA, a);
            awaitReady(sim, readyB, b);
            sim.await(() -> sim.running() == N - 1, Duration.ofSeconds(60));
            ForkedJvm.Result c;
            try {
                c = member(sim, redis).run(FleetApp.class, url, "rt", "3", "100", "c");
            } finally {
                sim.openGate(gate); // the batch calls finish whether C passed or not
            }
            for (ForkedJvm.Result r : List.of(a.join(), b.join(), c)) {
                assertEquals(0, r.exitCode(), r::toString);
                assertTrue(r.lines("ERROR").isEmpty(), r::toString);
                assertEquals("redis", r.value("MODE"), r::toString);
                assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
            }
            List<RequestRecord> records = sim.records();
            assertEquals(23, records.size());
            // N at once (N - R held batch calls and one RT call), never more
            assertEquals(N, sim.maxObservedConcurrency(), "the server saw " + sim.maxObservedConcurrency());
            List<RequestRecord> batch = records.stream().filter(r -> r.header("X-Test-Id").contains("-be-"))
                    .collect(Collectors.toList());
            assertTrue(maxOverlap(batch) <= N - 1, "batch calls of two JVMs took the reserved slot");
            for (RequestRecord rt : records) {
                if (rt.header("X-Test-Id").contains("-rt-")) {
                    long overtaken = batch.stream().filter(be -> be.startNanos() > rt.startNanos()).count();
                    assertEquals(20 - (N - 1), overtaken,
                            "RT call " + rt.header("X-Test-Id") + " overtook only " + overtaken + " queued batch calls");
                }
            }
        } finally {
            Files.deleteIfExists(readyA);
            Files.deleteIfExists(readyB);
        }
    }

    /**
     * The survivor's calls wait in the fleet before the victim is killed, so the time measured is the
     * ledger's, not the survivor JVM's start.
     */
    @Test
    void theSlotsOfAKilledJvmReturnWithinTheSessionTtl() throws Exception {
        Duration ttl = Duration.ofSeconds(2);
        Path victimReady = Files.createTempFile("rtbe-fleet-victim", ".ready");
        Path survivorReady = Files.createTempFile("rtbe-fleet-survivor", ".ready");
        try (EmbeddedRedis redis = new EmbeddedRedis();
             OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(12).build())) {
            String url = sim.baseUri().toString();
            // the victim holds every slot BE may take (N - R = 3) with calls that would run for a minute
            CompletableFuture<ForkedJvm.Result> victim = CompletableFuture.supplyAsync(() -> member(sim, redis)
                    .property("rtbe.coordination.session-ttl", "2s")
                    .run(FleetApp.class, url, "be", "3", "60000", "victim", victimReady.toString()), jvms);
            awaitReady(sim, victimReady, victim);
            sim.await(() -> sim.running() == N - 1, Duration.ofSeconds(60));
            CompletableFuture<ForkedJvm.Result> survivor = CompletableFuture.supplyAsync(() -> member(sim, redis)
                    .property("rtbe.coordination.session-ttl", "2s")
                    .run(FleetApp.class, url, "be", "3", "100", "survivor", survivorReady.toString()), jvms);
            awaitReady(sim, survivorReady, survivor); // its 3 calls wait in the fleet: no BE slot is free
            assertTrue(survivorCalls(sim).isEmpty(), "a survivor call ran while the victim held every BE slot");

            long pid = Long.parseLong(Files.readString(victimReady).trim());
            long killed = System.nanoTime();
            assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly()); // SIGKILL: no release, no goodbye
            // the victim's session (2 s) has to expire first; a heartbeat (every 2/3 s) then frees its slots
            sim.await(() -> !survivorCalls(sim).isEmpty(), Duration.ofSeconds(30));
            Duration returned = Duration.ofNanos(System.nanoTime() - killed);
            assertTrue(victim.join().exitCode() != 0);
            ForkedJvm.Result s = survivor.join();
            assertEquals(0, s.exitCode(), s::toString);
            assertTrue(s.lines("ERROR").isEmpty(), s::toString);
            assertEquals("redis", s.value("MODE"), s::toString);
            assertEquals(3, survivorCalls(sim).size());
            // the victim's session had to expire (its last heartbeat at most TTL/3 before the kill); the
            // survivor's next heartbeat (every TTL/3) then frees the slots; 5 s of slack for a loaded machine
            Duration bound = ttl.plus(ttl.dividedBy(3)).plusSeconds(5);
            assertTrue(returned.compareTo(bound) < 0, "the dead JVM's slots returned after " + returned
                    + ", not within " + bound);
        } finally {
            Files.deleteIfExists(victimReady);
            Files.deleteIfExists(survivorReady);
        }
    }

    @Test
    void redisStoppedMidRunFailsNoCallAndARestartEndsTheFallback() throws Exception {
        try (EmbeddedRedis redis = new EmbeddedRedis();
             OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(12).build())) {
            String url = sim.baseUri().toString();
            // 8 batch calls: 3 run (N - R), 5 wait in Redis
            CompletableFuture<ForkedJvm.Result> app = CompletableFuture.supplyAsync(() -> member(sim, redis)
                    .property("rtbe.coordination.session-ttl", "2s")
                    .run(FleetApp.class, url, "be", "8", "4000", "app"), jvms);
            sim.await(() -> sim.running() == N - 1, Duration.ofSeconds(60));
            awaitBatchWaiters(redis, 5);
            redis.stop();
            try {
                // a heartbeat finds Redis gone; the queued calls move to the local scheduler (its own 3
                // BE slots, next to the 3 calls still holding slots counted in Redis)
                sim.await(() -> sim.running() > N - 1, Duration.ofSeconds(60));
            } finally {
                redis.start(); // empty
            }
            ForkedJvm.Result r = app.join();
            assertEquals(0, r.exitCode(), r::toString);
            assertEquals(8, r.lines("DONE").size(), "no call failed: " + r);
            assertTrue(r.lines("ERROR").isEmpty(), r::toString);
            assertTrue(r.stderr().contains("admitting calls through the local scheduler"), r::toString);
            assertTrue(r.stderr().contains("works again"), "a heartbeat reconnected: " + r);
            assertEquals("redis", r.value("MODE"), r::toString);
            assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
            assertEquals(8, sim.records().size());
        }
    }

    /** Waits until Redis shows {@code count} batch waiters in the fleet's (only) pool. */
    private static void awaitBatchWaiters(EmbeddedRedis redis, int count) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Jedis jedis = redis.client()) {
            while (true) {
                long waiting = jedis.keys("{rtbe:it}:wbe:*").stream().mapToLong(jedis::zcard).sum();
                if (waiting == count) {
                    return;
                }
                assertTrue(System.nanoTime() < end, "Redis shows " + waiting + " batch waiters, not " + count);
                Thread.sleep(10); // polling a condition with a deadline
            }
        }
    }

    /** Waits until the app wrote its ready file (its pid), failing at once with its output if it ended first. */
    private static void awaitReady(OllamaSimulator sim, Path ready, CompletableFuture<ForkedJvm.Result> jvm)
            throws Exception {
        sim.await(() -> hasContent(ready) || jvm.isDone(), Duration.ofSeconds(90));
        if (!hasContent(ready)) {
            throw new AssertionError("the JVM ended before it was ready: " + jvm.join());
        }
    }

    private static boolean hasContent(Path file) {
        try {
            return Files.size(file) > 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** The survivor's calls that got a slot at the server. */
    private static List<RequestRecord> survivorCalls(OllamaSimulator sim) {
        return sim.records().stream().filter(r -> r.header("X-Test-Id").startsWith("survivor") && r.started())
                .collect(Collectors.toList());
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
