package dev.rtbe.bench;

import dev.rtbe.agent.scheduler.HybridScheduler;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Cost of one acquire + release of a scheduler slot.
 *
 * <ul>
 *   <li>{@code uncontended_*}: one thread, RT, a slot always free: the fast path (lock, counters, one
 *       Permit object).</li>
 *   <li>{@code contended_tN}: N threads doing blocking {@code acquire(…, null)} + release. Even-numbered
 *       threads ask as RT, odd ones as BE. With {@code slots=2} (R=1: one slot BE may use) almost every
 *       acquire queues and is handed a slot by a release on another thread, so this measures the
 *       blocking hand-off; with {@code slots=64} (R=1) threads rarely wait and it measures the fast path
 *       under lock contention.</li>
 * </ul>
 *
 * Run: {@code java -jar benchmarks/target/benchmarks.jar SchedulerBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SchedulerBenchmark {

    @State(Scope.Benchmark)
    public static class Sched {
        /**
         * N; R is 1 in both cases. Promotion after 5 ms: without promotion, 32 RT threads cycling on 2
         * slots keep the RT queue non-empty forever and the BE threads never get a slot (as designed: the
         * BE wait bound comes from promotion), so a JMH iteration could never end.
         */
        @Param({"2", "64"})
        public int slots;

        HybridScheduler scheduler;
        final AtomicInteger threadIds = new AtomicInteger();

        @Setup
        public void setUp() {
            SchedulerPolicy policy = SchedulerPolicy.builder(slots).rtReservedSlots(1)
                    .promotionAfter(Duration.ofMillis(5)).build();
            scheduler = new HybridScheduler(policy, SchedulerClock.system());
        }
    }

    @State(Scope.Thread)
    public static class Caller {
        Priority priority;

        @Setup
        public void setUp(Sched sched) {
            priority = sched.threadIds.getAndIncrement() % 2 == 0 ? Priority.RT : Priority.BE;
        }
    }

    @Benchmark
    @Threads(1)
    public Permit uncontended_tryAcquireRelease(Sched s) {
        Permit p = s.scheduler.tryAcquire(Priority.RT);
        p.release();
        return p;
    }

    @Benchmark
    @Threads(1)
    public Permit uncontended_acquireRelease(Sched s) throws Exception {
        Permit p = s.scheduler.acquire(Priority.RT, null);
        p.release();
        return p;
    }

    @Benchmark
    @Threads(2)
    public Permit contended_t02(Sched s, Caller c) throws Exception {
        return acquireRelease(s, c);
    }

    @Benchmark
    @Threads(4)
    public Permit contended_t04(Sched s, Caller c) throws Exception {
        return acquireRelease(s, c);
    }

    @Benchmark
    @Threads(16)
    public Permit contended_t16(Sched s, Caller c) throws Exception {
        return acquireRelease(s, c);
    }

    @Benchmark
    @Threads(64)
    public Permit contended_t64(Sched s, Caller c) throws Exception {
        return acquireRelease(s, c);
    }

    private static Permit acquireRelease(Sched s, Caller c) throws Exception {
        Permit p = s.scheduler.acquire(c.priority, null);
        p.release();
        return p;
    }
}
