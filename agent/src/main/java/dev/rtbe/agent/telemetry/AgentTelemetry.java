package dev.rtbe.agent.telemetry;

import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.TelemetryExporter;
import dev.rtbe.agent.scheduler.SchedulerClock;
import java.util.Collection;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The agent's telemetry: off entirely ({@code rtbe.telemetry.exporter=none} or
 * {@code OTEL_SDK_DISABLED=true}: no SDK is ever initialised), or an SDK built on a background
 * thread when the first call starts, so neither start-up nor any call waits for it. An ended call
 * is handed to a bounded queue and turned into spans and metrics by one recorder thread, in
 * batches (at most {@link #BATCH_NANOS} late), so the application's thread pays only the enqueue (when the queue is full, the record is dropped:
 * telemetry never slows a call). The {@code logging} exporter records on the calling thread
 * instead, so the last lines before exit are not lost. A shutdown hook flushes, bounded in time.
 * Recording and shutdown take one lock, so a call being turned into spans when the JVM exits is
 * finished before the SDK flushes, never cut in half.
 */
public final class AgentTelemetry implements CallTelemetry {
    static final int MAX_PENDING = 1024;
    /**
     * While calls keep ending, the recorder wakes this often (or once {@link #WAKE_AT} records
     * wait) and records them in a batch: waking it for every call cost the calling thread a
     * thread hand-off per call, and on few cores the woken recorder competed with the application.
     */
    static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final int WAKE_AT = 64;
    static final long SHUTDOWN_WAIT_MILLIS = 3_000;

    private final Supplier<TelemetryPipeline> factory;
    private final Consumer<String> warn;
    private final boolean recordOnCallingThread;
    private final AtomicBoolean started = new AtomicBoolean();
    private final CompletableFuture<TelemetryPipeline> ready = new CompletableFuture<>();
    private final Queue<CallRecord> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    /** Held while records go into the SDK and while it shuts down. */
    private final ReentrantLock recording = new ReentrantLock();
    /** Set under {@link #recording} once the SDK is shutting down: later records are dropped. */
    private boolean closed;
    private volatile TelemetryPipeline pipeline;
    /** The thread that records queued calls, once the SDK is up (null in logging mode). */
    private volatile Thread recorder;
    /** The recorder sleeps until the next record (no call ended during its last batch period). */
    private volatile boolean recorderIdle;

    AgentTelemetry(Supplier<TelemetryPipeline> factory, Consumer<String> warn, boolean recordOnCallingThread) {
        this.factory = factory;
        this.warn = warn;
        this.recordOnCallingThread = recordOnCallingThread;
    }

    /**
     * The telemetry the settings ask for. {@code senderLoader} sees {@code java.net.http} and the
     * agent's JDK sender classes (null when not running from the agent jar).
     */
    public static CallTelemetry create(Settings settings, SchedulerClock schedulerClock,
                                       Supplier<? extends Collection<? extends PoolView>> pools,
                                       CoordinationView coordination, ClassLoader senderLoader, Consumer<String> warn) {
        TelemetryExporter kind = settings.telemetryExporter();
        OtelEnvironment env = OtelEnvironment.system();
        if (kind == TelemetryExporter.NONE || env.sdkDisabled()) {
            return NOOP;
        }
        EpochClock clock = EpochClock.anchor(new MonotonicNanos(schedulerClock));
        boolean capture = settings.captureContent();
        AgentTelemetry telemetry = new AgentTelemetry(new Sdk(kind, env, senderLoader, clock, pools, coordination,
                capture, warn), warn, kind == TelemetryExporter.LOGGING);
        telemetry.flushAtExit();
        return telemetry;
    }

    // Classes rather than lambdas here and below: none is spun while the agent starts or at the first call.

    private static final class MonotonicNanos implements LongSupplier {
        private final SchedulerClock clock;

        MonotonicNanos(SchedulerClock clock) {
            this.clock = clock;
        }

        @Override
        public long getAsLong() {
            return clock.nanoTime();
        }
    }

    /** Builds the SDK (on the telemetry thread). */
    private static final class Sdk implements Supplier<TelemetryPipeline> {
        private final TelemetryExporter kind;
        private final OtelEnvironment env;
        private final ClassLoader senderLoader;
        private final EpochClock clock;
        private final Supplier<? extends Collection<? extends PoolView>> pools;
        private final CoordinationView coordination;
        private final boolean capture;
        private final Consumer<String> warn;

        Sdk(TelemetryExporter kind, OtelEnvironment env, ClassLoader senderLoader, EpochClock clock,
            Supplier<? extends Collection<? extends PoolView>> pools, CoordinationView coordination, boolean capture,
            Consumer<String> warn) {
            this.kind = kind;
            this.env = env;
            this.senderLoader = senderLoader;
            this.clock = clock;
            this.pools = pools;
            this.coordination = coordination;
            this.capture = capture;
            this.warn = warn;
        }

        @Override
        public TelemetryPipeline get() {
            return SdkFactory.create(kind, env, senderLoader, clock, pools, coordination, capture, warn);
        }
    }

    @Override
    public TraceParent captureParent() {
        startOnce();
        return AppContextReader.current();
    }

    @Override
    public void callEnded(CallRecord record) {
        TelemetryPipeline p = pipeline;
        if (p != null && recordOnCallingThread) {
            recording.lock();
            try {
                if (!closed) {
                    p.record(record);
                }
            } finally {
                recording.unlock();
            }
            return;
        }
        startOnce();
        int waiting = pendingCount.incrementAndGet();
        if (waiting > MAX_PENDING) {
            pendingCount.decrementAndGet(); // the backlog is full: drop rather than slow the call
            return;
        }
        pending.add(record);
        Thread r = recorder;
        if (r != null) {
            if (recorderIdle || waiting >= WAKE_AT) {
                LockSupport.unpark(r);
            }
        } else if ((p = pipeline) != null) {
            drain(p); // became ready meanwhile: make sure this record is not left behind
        }
    }

    /**
     * The recorder thread: turns queued records into spans and metrics, a batch per period while
     * calls end, and sleeps until the next record once a period passed without one.
     */
    private void recordLoop(TelemetryPipeline p) {
        while (true) {
            if (drain(p) > 0) {
                LockSupport.parkNanos(this, BATCH_NANOS);
                continue;
            }
            recorderIdle = true; // then re-check: a record added before this was seen is not left waiting
            if (pendingCount.get() == 0) {
                LockSupport.park(this);
            }
            recorderIdle = false;
        }
    }

    /** Builds the SDK on a daemon thread, once. */
    void startOnce() {
        if (pipeline != null || !started.compareAndSet(false, true)) {
            return;
        }
        Thread init = new Thread(new Runnable() {
            @Override
            public void run() {
                initialise();
            }
        }, "rtbe-telemetry");
        init.setDaemon(true);
        init.setContextClassLoader(null);
        init.start();
    }

    private void initialise() {
        try {
            TelemetryPipeline p = factory.get();
            pipeline = p;
            ready.complete(p);
            if (recordOnCallingThread) {
                drain(p); // records queued while the SDK started
            } else {
                recorder = Thread.currentThread();
                recordLoop(p); // starts with the records queued before the recorder was published
            }
        } catch (RuntimeException | LinkageError e) {
            warn.accept("telemetry is off: the OpenTelemetry SDK failed to start: " + e);
            pending.clear();
            ready.completeExceptionally(e);
        }
    }

    /** Records what is queued; returns how many records it took. */
    private int drain(TelemetryPipeline p) {
        int taken = 0;
        recording.lock();
        try {
            CallRecord r;
            while ((r = pending.poll()) != null) {
                pendingCount.decrementAndGet();
                taken++;
                if (!closed) {
                    p.record(r);
                }
            }
        } finally {
            recording.unlock();
        }
        return taken;
    }

    /**
     * Records what is queued, then refuses more. A record in progress is waited for, but only
     * until the deadline: exit stays bounded even if the SDK stalls.
     */
    private void drainAndClose(TelemetryPipeline p, long waitMillis) throws InterruptedException {
        if (!recording.tryLock(waitMillis, TimeUnit.MILLISECONDS)) {
            return;
        }
        try {
            drain(p);
            closed = true;
        } finally {
            recording.unlock();
        }
    }

    /** A shutdown hook: waits (bounded) for a start-up under way, then flushes and stops the SDK. */
    private void flushAtExit() {
        Thread hook = new Thread(new Runnable() {
            @Override
            public void run() {
                shutdown(SHUTDOWN_WAIT_MILLIS);
            }
        }, "rtbe-telemetry-shutdown");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException | SecurityException e) {
            // already shutting down, or not allowed: export still runs while the JVM lives
        }
    }

    void shutdown(long waitMillis) {
        if (!started.get()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        try {
            TelemetryPipeline p = ready.get(waitMillis, TimeUnit.MILLISECONDS);
            drainAndClose(p, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            // The SDK's shutdown may block (a final metric export retrying a dead collector):
            // run it on a daemon thread and wait only until the deadline, so exit stays bounded.
            CompletableFuture<Void> flushed = new CompletableFuture<>();
            Thread flush = new Thread(() -> {
                p.shutdown().whenComplete(() -> flushed.complete(null));
            }, "rtbe-telemetry-flush");
            flush.setDaemon(true);
            flush.start();
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            flushed.get(left, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // not ready in time, or failed: nothing more to flush
        }
    }

    /** The running pipeline, or null while it starts (tests). */
    TelemetryPipeline pipeline() {
        return pipeline;
    }
}
