package dev.rtbe.agent.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real threads on the system clock, no sleeps: {@value #THREADS} threads each run {@value #ITERATIONS}
 * random operations against one scheduler: blocking acquires (some with tiny call timeouts) that peers
 * interrupt, {@code acquireAsync} followed by a cancel (before, during or after the grant) or a join,
 * {@code tryAcquire}, and double releases. Concurrency is tracked by a counter incremented right after
 * a grant and decremented right before the release, so it never exceeds what is really held; it must
 * never show more than N slots held, nor a BE call on a reserved slot. At the end every future is done,
 * nothing is held or queued, and every grant was released exactly once.
 *
 * <p>Interrupts are exact: a peer interrupts a thread only while it is inside {@code acquire} and at most
 * once per call, so each interrupt must show up exactly once, as an {@link InterruptedException} (status
 * cleared) or, when the grant or a rejection won the race, as the interrupt status still set after the
 * call. The test then clears it and never re-interrupts.
 *
 * <p>Runs on platform threads, and on virtual threads where the JDK has them (skipped on 17; run the
 * tests with {@code -Djvm=/path/to/jdk21+/bin/java} to include them). A deadlock fails the test by timeout.
 */
class SchedulerStressTest {
    static final int THREADS = 32;
    static final int ITERATIONS = 8_000;
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    static Stream<Arguments> policies() {
        return Stream.of(
                Arguments.of("N=2 R=1 FIFO", SchedulerPolicy.builder(2).rtReservedSlots(1).rtOrder(RtOrder.FIFO)),
                Arguments.of("N=4 R=1 LIFO promotion=1ms max-length=24 be-max-wait=20ms",
                        SchedulerPolicy.builder(4).rtReservedSlots(1).rtOrder(RtOrder.LIFO)
                                .promotionAfter(Duration.ofMillis(1))
                                .maxQueueLength(Priority.RT, 24).maxQueueLength(Priority.BE, 24)
                                .maxWait(Priority.BE, Duration.ofMillis(20))),
                Arguments.of("N=1 R=0 FIFO promotion=0", SchedulerPolicy.builder(1).promotionAfter(Duration.ZERO)));
    }

    @ParameterizedTest(name = "platform threads, {0}")
    @MethodSource("policies")
    void platformThreads(String name, SchedulerPolicy.Builder policy) {
        assertTimeoutPreemptively(TIMEOUT, () -> run(policy.build(), Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "stress");
            t.setDaemon(true);
            return t;
        })), "deadlock or livelock: " + name);
    }

    @ParameterizedTest(name = "virtual threads, {0}")
    @MethodSource("policies")
    void virtualThreads(String name, SchedulerPolicy.Builder policy) {
        ExecutorService executor = virtualThreadExecutor();
        Assumptions.assumeTrue(executor != null, "this JDK has no virtual threads (needs 21+)");
        assertTimeoutPreemptively(TIMEOUT, () -> run(policy.build(), executor), "deadlock or livelock: " + name);
    }

    /** Tests compile for release 17, so the JDK 21 factory is looked up reflectively. */
    private static ExecutorService virtualThreadExecutor() {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            return null;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static void run(SchedulerPolicy policy, ExecutorService executor) throws Exception {
        Shared shared = new Shared(new HybridScheduler(policy, SchedulerClock.system()), policy);
        Worker[] workers = new Worker[THREADS];
        for (int i = 0; i < THREADS; i++) {
            workers[i] = new Worker(shared, workers, 0x5EEDL * 31 + i);
        }
        List<Future<?>> done = new ArrayList<>();
        try {
            for (Worker w : workers) {
                done.add(executor.submit(w));
            }
            for (Future<?> f : done) {
                f.get(); // a worker's own assertion error fails the test here
            }
        } finally {
            executor.shutdownNow();
        }
        assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));

        String problems = String.join("\n", shared.violations);
        assertTrue(shared.violations.isEmpty(), "violations:\n" + problems);
        assertEquals(0, shared.held.get(), "test-side held counter");
        for (Worker w : workers) {
            for (CompletableFuture<Permit> f : w.asyncFutures) {
                assertTrue(f.isDone(), "an async acquire never ended: " + f);
            }
        }
        SchedulerSnapshot s = shared.scheduler.snapshot();
        assertEquals(0, s.inFlight(), () -> "slots still held: " + s);
        assertEquals(0, s.queued(Priority.RT), () -> "RT still queued: " + s);
        assertEquals(0, s.queued(Priority.BE), () -> "BE still queued: " + s);
        for (Priority p : Priority.values()) {
            assertEquals(s.granted(p), s.released(p), () -> p + ": granted != released; " + s);
        }
        long interruptsSent = 0;
        long interruptsSeen = 0;
        long ops = 0;
        for (Worker w : workers) {
            interruptsSent += w.interruptsSent;
            interruptsSeen += w.interruptsSeen;
            ops += w.ops;
        }
        assertEquals(interruptsSent, interruptsSeen, "every interrupt seen exactly once");
        assertTrue(ops >= (long) THREADS * ITERATIONS);
        // The run must really have exercised the contended paths.
        assertTrue(interruptsSent > 0, "no interrupt landed in a wait");
        assertTrue(shared.handOffs.get() > 0, "no waiter was ever granted");
        System.out.printf("stress %s: %d ops, %d grants, %d grants after a wait, %d interrupts, "
                        + "%d async cancels won, %d rejections, promotions %d%n",
                policy, ops, s.granted(Priority.RT) + s.granted(Priority.BE), shared.handOffs.get(), interruptsSent,
                shared.cancelsWon.get(), s.rejected(Priority.RT) + s.rejected(Priority.BE), s.promotions());
    }

    /** State shared by all workers of one run. */
    private static final class Shared {
        final HybridScheduler scheduler;
        final int n;
        final int r;
        /** RT held in the high 32 bits, BE in the low: one read gives both at the same instant. */
        final AtomicLong held = new AtomicLong();
        final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        final AtomicLong handOffs = new AtomicLong();
        final AtomicLong cancelsWon = new AtomicLong();

        Shared(HybridScheduler scheduler, SchedulerPolicy policy) {
            this.scheduler = scheduler;
            this.n = policy.totalSlots();
            this.r = policy.rtReservedSlots();
        }

        void violation(String what) {
            if (violations.size() < 20) {
                violations.add(what + " [" + Thread.currentThread() + "]");
            }
        }
    }

    private static final class Worker implements Runnable {
        private static final long RT_ONE = 1L << 32;

        final Shared shared;
        final Worker[] peers;
        final SplittableRandom random;
        final List<CompletableFuture<Permit>> asyncFutures = new ArrayList<>();
        volatile Thread thread;
        long ops;
        long interruptsSeen;
        long interruptsSent; // interrupts this worker received (counted by the sender, under gate)

        // Guarded by gate: the window in which peers may interrupt this worker.
        private final Object gate = new Object();
        private boolean inAcquire;
        private boolean interruptPending;

        Worker(Shared shared, Worker[] peers, long seed) {
            this.shared = shared;
            this.peers = peers;
            this.random = new SplittableRandom(seed);
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            HybridScheduler s = shared.scheduler;
            for (int i = 0; i < ITERATIONS; i++) {
                ops++;
                Priority p = random.nextInt(3) == 0 ? Priority.RT : Priority.BE;
                int op = random.nextInt(100);
                if (op < 5) {
                    interruptAPeer();
                } else if (op < 50) {
                    blockingAcquire(s, p);
                } else if (op < 85) {
                    asyncAcquire(s, p);
                } else {
                    Permit permit = s.tryAcquire(p);
                    if (permit != null) {
                        hold(permit);
                    }
                }
            }
            // Interrupts are only sent inside acquire(), so none can be left over here.
            if (Thread.interrupted()) {
                shared.violation("interrupt status set outside acquire");
            }
        }

        private void interruptAPeer() {
            Worker peer = peers[random.nextInt(peers.length)];
            if (peer == this) {
                return;
            }
            synchronized (peer.gate) {
                if (peer.inAcquire && !peer.interruptPending) {
                    peer.interruptPending = true;
                    peer.interruptsSent++;
                    peer.thread.interrupt();
                }
            }
        }

        private void blockingAcquire(HybridScheduler s, Priority p) {
            Duration timeout = random.nextInt(4) == 0 ? Duration.ofNanos(20_000 + random.nextInt(2_000_000)) : null;
            synchronized (gate) {
                inAcquire = true;
            }
            Permit permit = null;
            boolean interrupted = false;
            try {
                permit = s.acquire(p, timeout);
            } catch (InterruptedException e) {
                interrupted = true; // not re-interrupting: the exception is the notification
            } catch (SchedulerRejectedException e) {
                checkRejection(e, p);
            }
            boolean sent;
            synchronized (gate) {
                inAcquire = false;
                sent = interruptPending;
                interruptPending = false;
            }
            boolean statusSet = Thread.interrupted();
            if (interrupted && statusSet) {
                shared.violation("InterruptedException thrown but the interrupt status is still set");
            }
            if (sent != (interrupted || statusSet)) {
                shared.violation("interrupt sent=" + sent + " but InterruptedException=" + interrupted
                        + " status=" + statusSet);
            }
            if (sent) {
                interruptsSeen++;
            }
            if (permit != null) {
                if (permit.queueWaitNanos() > 0) {
                    shared.handOffs.incrementAndGet();
                }
                hold(permit);
            }
        }

        private void asyncAcquire(HybridScheduler s, Priority p) {
            Duration timeout = random.nextInt(5) == 0 ? Duration.ofNanos(20_000 + random.nextInt(2_000_000)) : null;
            CompletableFuture<Permit> f = s.acquireAsync(p, timeout);
            asyncFutures.add(f);
            int how = random.nextInt(4);
            if (how == 0) {
                spin(random.nextInt(50)); // cancel a little later: maybe queued, maybe just granted
                cancelAndSettle(f);
            } else if (how == 1) {
                cancelAndSettle(f); // at once
            } else {
                Permit permit;
                try {
                    permit = f.join();
                } catch (CompletionException e) {
                    if (e.getCause() instanceof SchedulerRejectedException) {
                        checkRejection((SchedulerRejectedException) e.getCause(), p);
                    } else {
                        shared.violation("unexpected failure " + e);
                    }
                    return;
                }
                if (how == 2 && f.cancel(true)) { // cancel after the grant: must be refused
                    shared.violation("cancelled a future that had already delivered a permit");
                }
                if (!f.isCompletedExceptionally()) {
                    if (permit.queueWaitNanos() > 0) {
                        shared.handOffs.incrementAndGet();
                    }
                    hold(permit);
                }
            }
            if (!f.isDone()) {
                shared.violation("future not done after its iteration: " + f);
            }
        }

        /** Cancels; if the cancel lost to a grant or a rejection, deals with that outcome. */
        private void cancelAndSettle(CompletableFuture<Permit> f) {
            if (f.cancel(random.nextBoolean())) {
                shared.cancelsWon.incrementAndGet();
                try {
                    f.join();
                    shared.violation("a cancelled future yielded a permit");
                } catch (CancellationException expected) {
                    // the scheduler passes any slot granted meanwhile to the next waiter
                }
                return;
            }
            try {
                hold(f.join());
            } catch (CompletionException e) {
                if (!(e.getCause() instanceof SchedulerRejectedException)) {
                    shared.violation("unexpected failure " + e);
                }
            }
        }

        private void checkRejection(SchedulerRejectedException e, Priority p) {
            if (e.priority() != p) {
                shared.violation("rejection names the wrong class: " + e.getMessage());
            }
        }

        private void hold(Permit permit) {
            long one = permit.priority() == Priority.RT ? RT_ONE : 1;
            long both = shared.held.addAndGet(one);
            int rt = (int) (both >>> 32);
            int be = (int) both;
            if (rt + be > shared.n) {
                shared.violation("more than N held: rt=" + rt + " be=" + be);
            }
            if (be + Math.max(shared.r, rt) > shared.n) {
                shared.violation("BE on a reserved slot: rt=" + rt + " be=" + be);
            }
            if (permit.isReleased()) {
                shared.violation("got a released permit " + permit);
            }
            int work = random.nextInt(8);
            if (work == 0) {
                Thread.yield(); // let others pile up behind this slot
            } else {
                spin(work * 20);
            }
            shared.held.addAndGet(-one);
            if (!permit.release()) {
                shared.violation("first release refused " + permit);
            }
            if (random.nextInt(8) == 0 && permit.release()) {
                shared.violation("double release accepted " + permit);
            }
        }

        private static void spin(int n) {
            for (int i = 0; i < n; i++) {
                Thread.onSpinWait();
            }
        }
    }
}
