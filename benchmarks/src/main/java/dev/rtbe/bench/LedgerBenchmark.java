package dev.rtbe.bench;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.config.BadValueException;
import dev.rtbe.agent.config.Coordination;
import dev.rtbe.agent.ledger.SlotLedger;
import dev.rtbe.agent.ledger.redis.RedisFleet;
import dev.rtbe.agent.scheduler.HybridScheduler;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import redis.embedded.RedisServer;

/**
 * What coordinating a fleet through Redis costs a call, on loopback against a real redis-server
 * (the binary bundled by embedded-redis), side by side with the in-process scheduler.
 *
 * <ul>
 *   <li>{@code acquireRelease}: one uncontended acquire + release, {@code ledger=local} or
 *       {@code redis} (two script round trips through the fleet's worker thread, as in production).
 *       Target: redis adds at most 0.2 ms median.</li>
 *   <li>{@code grantReachesWaitingJvm}: two fleets ("JVMs", each with its own session and
 *       connections) share a pool of N=1. A holds the slot and B waits for it; the operation is A's
 *       release until B's waiter has its permit (release script, pub/sub notice, B's grant).
 *       Target: p99 within 2 ms.</li>
 * </ul>
 *
 * Run: {@code java -jar benchmarks/target/benchmarks.jar LedgerBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s}
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LedgerBenchmark {
    private static final String POOL = "localhost:11434|bench";
    private static final AgentLog QUIET_LOG = new AgentLog(new PrintStream(OutputStream.nullOutputStream()));

    /** A real redis-server on a free loopback port, with one fleet per simulated JVM. */
    static final class Redis implements AutoCloseable {
        final RedisServer server;
        final int port;

        Redis() {
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                        .setting("appendonly no").build();
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        RedisFleet fleet(String name) {
            try {
                RedisFleet f = new RedisFleet(Coordination.parse("redis://127.0.0.1:" + port), name, null, null,
                        Duration.ofSeconds(10), 1, SchedulerClock.system(), null, true, QUIET_LOG);
                f.start();
                return f;
            } catch (BadValueException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() throws IOException {
            server.stop();
        }
    }

    @State(Scope.Benchmark)
    public static class OneLedger {
        @Param({"local", "redis"})
        public String ledger;

        Redis redis;
        RedisFleet fleet;
        SlotLedger slots;

        @Setup
        public void setUp() {
            SchedulerPolicy policy = SchedulerPolicy.builder(4).rtReservedSlots(1).build();
            if ("redis".equals(ledger)) {
                redis = new Redis();
                fleet = redis.fleet("bench-one");
                slots = fleet.ledger(POOL, policy);
            } else {
                slots = new HybridScheduler(policy, SchedulerClock.system());
            }
        }

        @TearDown
        public void tearDown() throws IOException {
            if (fleet != null) {
                fleet.close();
                redis.close();
            }
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public Permit acquireRelease(OneLedger s) throws Exception {
        Permit p = s.slots.acquire(Priority.RT, null);
        p.release();
        return p;
    }

    @State(Scope.Benchmark)
    public static class TwoJvms {
        Redis redis;
        RedisFleet fleetA;
        RedisFleet fleetB;
        SlotLedger a;
        SlotLedger b;
        Permit held;
        CompletableFuture<Permit> waiting;

        @Setup
        public void setUp() {
            SchedulerPolicy policy = SchedulerPolicy.builder(1).rtReservedSlots(0).build();
            redis = new Redis();
            fleetA = redis.fleet("bench-two");
            fleetB = redis.fleet("bench-two");
            a = fleetA.ledger(POOL, policy);
            b = fleetB.ledger(POOL, policy);
        }

        /** A holds the only slot and B's waiter is queued in Redis (its script has run). */
        @Setup(Level.Invocation)
        public void arrange() throws Exception {
            held = a.acquire(Priority.RT, null);
            long scripts = fleetB.scriptCalls();
            waiting = b.acquireAsync(Priority.RT, null);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (fleetB.scriptCalls() == scripts) {
                if (System.nanoTime() > end) {
                    throw new IllegalStateException("B's acquire script did not run in 10 s");
                }
                Thread.onSpinWait();
            }
            if (waiting.isDone()) {
                throw new IllegalStateException("B was granted while A held the only slot");
            }
        }

        @TearDown(Level.Invocation)
        public void releaseB() {
            waiting.join().release();
        }

        @TearDown
        public void tearDown() throws IOException {
            fleetA.close();
            fleetB.close();
            redis.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public Permit grantReachesWaitingJvm(TwoJvms s) {
        s.held.release();
        return s.waiting.join();
    }
}
