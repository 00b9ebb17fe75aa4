package dev.rtbe.agent.call;

import dev.rtbe.agent.calibrate.ServerWait;
import dev.rtbe.agent.classify.Classification;
import dev.rtbe.agent.config.Endpoint;
import dev.rtbe.agent.pool.Pool;
import dev.rtbe.agent.pool.Route;
import dev.rtbe.agent.scheduler.Cancellable;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.SchedulerRejectedException;
import dev.rtbe.agent.telemetry.CallRecord;
import dev.rtbe.agent.telemetry.CallTelemetry;
import dev.rtbe.agent.telemetry.TraceParent;
import dev.rtbe.agent.wire.LlmRequest;
import dev.rtbe.agent.wire.LlmResult;
import dev.rtbe.agent.wire.ResponseWatcher;
import dev.rtbe.agent.wire.ResponseWatchers;
import dev.rtbe.agent.wire.StreamListener;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * The life of one gated call, whatever the client: acquire a slot, send, watch the response
 * bytes go by, and release the slot exactly once at the first of its ends (body done, close,
 * error, cancel, garbage collection, max hold). Adapters call it; it knows no HTTP client.
 * When it ends it hands one {@link CallRecord} to telemetry.
 */
public final class GatedCall implements StreamListener {
    private static final long NONE = CallRecord.NONE;

    private final AgentRuntime runtime;
    private final String method;
    private final URI uri;
    private final LlmRequest request;
    private final Classification classification;
    private final TraceParent parent;
    private final long startNanos;
    private final AtomicBoolean finished = new AtomicBoolean();
    /** The call's pool (server, model): its scheduler gates the call. */
    private final Pool pool;
    /** Why the call went to its server's default pool (body_not_read, no_model_field, pool_limit), or null. */
    private final String defaultReason;
    /** The pool's calls running when this one was granted, itself included; 0 while it holds no counted slot. */
    private volatile int runningAtStart;
    /** The pool's start count before this call's start, and at its first token (NONE before). */
    private volatile long startsBefore;
    private volatile long startsAtFirstToken = NONE;
    private final AtomicBoolean counted = new AtomicBoolean();

    private volatile Permit permit;
    private volatile Cancellable maxHold;
    private volatile ResponseWatcher watcher;
    private volatile int status;
    private volatile long sentNanos = NONE;
    private volatile long firstTokenNanos = NONE;
    private volatile LlmResult result;
    private volatile String streamError;
    private volatile Outcome outcome;
    /** Attempts that lost their slot to an RT call: grant, send and preemption time, three per attempt. */
    private volatile long[] preemptedAttempts = new long[0];
    /** Slot time of preempted attempts whose output the call kept (continued from it): not thrown away. */
    private volatile long keptPreemptedNanos;

    GatedCall(AgentRuntime runtime, String method, URI uri, LlmRequest request, Classification classification,
              TraceParent parent) {
        this.runtime = runtime;
        this.method = method;
        this.uri = uri;
        this.request = request;
        this.classification = classification;
        this.parent = parent;
        Endpoint endpoint = runtime.endpoints().endpointOf(uri);
        String server = endpoint != null ? endpoint.server() : runtime.pools().servers().get(0);
        Route route = endpoint != null ? Route.of(endpoint.pathPrefix(), uri.getRawPath()) : Route.GENERATION;
        String model = request.model();
        Pool chosen = runtime.pools().pool(server, model, route);
        if (chosen == null) { // an adapter let through a URI of no endpoint: gate it on the first server
            chosen = runtime.pools().pool(runtime.pools().servers().get(0), model, route);
        }
        this.pool = chosen;
        this.defaultReason = !chosen.isDefault() || !runtime.settings().poolsByModel() ? null
                : model != null && !model.trim().isEmpty() ? "pool_limit"
                : request.bodyParsed() ? "no_model_field" : "body_not_read";
        this.startNanos = chosen.scheduler().clock().nanoTime();
    }

    /** The pool whose scheduler gates this call. */
    public Pool pool() {
        return pool;
    }

    /** Starts a call on the calling thread: classifies it there (the application's frames are here). */
    public static GatedCall begin(AgentRuntime runtime, URI uri, LlmRequest request, String headerValue) {
        return begin(runtime, null, uri, request, headerValue);
    }

    /**
     * As {@link #begin(AgentRuntime, URI, LlmRequest, String)}, with the HTTP method for the span.
     * Also reads the application's current trace context here, on its thread, so the call's span
     * can join the application's trace.
     */
    public static GatedCall begin(AgentRuntime runtime, String method, URI uri, LlmRequest request,
                                  String headerValue) {
        Boolean streams = request.bodyParsed() ? request.stream() : null; // unread body: unknown
        Classification c = runtime.classifier().classify(headerValue, streams);
        return new GatedCall(runtime, method, uri, request, c, currentParent(runtime));
    }

    /** The application's current trace context on this thread, if any; telemetry is best-effort. */
    static TraceParent currentParent(AgentRuntime runtime) {
        try {
            return runtime.telemetry().captureParent();
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    public Classification classification() {
        return classification;
    }

    public LlmRequest request() {
        return request;
    }

    /** Blocks for a slot. On rejection or interrupt the call is over (nothing to release). */
    public Permit acquire(Duration timeout) throws InterruptedException, SchedulerRejectedException {
        try {
            return granted(pool.scheduler().acquire(classification.priority(), timeout));
        } catch (InterruptedException | SchedulerRejectedException e) {
            finish(Outcome.REJECTED, e); // refused or interrupted: the call is over
            throw e;
        }
    }

    /** Asks for a slot without blocking; cancelling the returned future leaves the queue. */
    public CompletableFuture<Permit> acquireAsync(Duration timeout) {
        return whenDecided(pool.scheduler().acquireAsync(classification.priority(), timeout));
    }

    /** {@code p}, now held by the call (no lambda around the wait: none is spun on a call's path). */
    private Permit granted(Permit p) {
        onGranted(p);
        return p;
    }

    /** {@code f}, whose slot the call holds once granted; the call is over when it is refused or cancelled. */
    private CompletableFuture<Permit> whenDecided(CompletableFuture<Permit> f) {
        f.whenComplete(new Decided());
        return f;
    }

    /** A class, not a lambda: none is spun on a call's path. */
    private final class Decided implements BiConsumer<Permit, Throwable> {
        @Override
        public void accept(Permit p, Throwable error) {
            if (p != null) {
                onGranted(p);
            } else {
                finish(Outcome.REJECTED, error);
            }
        }
    }

    private void onGranted(Permit p) {
        permit = p;
        if (finished.get()) {
            p.release(); // the call ended while the grant was on its way
            return;
        }
        if (counted.compareAndSet(false, true)) {
            startsBefore = pool.startsSoFar();
            runningAtStart = pool.callStarted();
            if (finished.get() && counted.compareAndSet(true, false)) {
                pool.callEnded(); // finish ran between the check above and the count
            }
        }
        maxHold = runtime.maxHold().hold(p.grantedNanos() + runtime.maxHoldNanos(), new MaxHoldExpiry());
    }

    /** A class, not {@code this::onMaxHold}: no lambda is spun on a call's path. */
    private final class MaxHoldExpiry implements Runnable {
        @Override
        public void run() {
            onMaxHold();
        }
    }

    private void onMaxHold() {
        if (finish(Outcome.FORCED, null)) {
            runtime.log().warn(describe() + " held its slot past rtbe.slots.max-hold="
                    + runtime.settings().slotMaxHold() + "; the slot was taken back");
        }
    }

    /**
     * Optional: the adapter is about to hand the request to the real client (after the grant),
     * so the span's {@code time to first token} starts at the send. Without it, the grant counts.
     * Only the first call counts (redirects and retries inside the call do not move it).
     */
    public void onSent() {
        if (sentNanos == NONE) {
            sentNanos = pool.scheduler().clock().nanoTime();
        }
    }

    /**
     * Offers the exchange under way for transparent preemption: until {@link #withdrawPreemption()}
     * the scheduler may take the slot back for an RT call and run {@code abort}, which must end the
     * exchange on the wire (possibly at once, on this thread). The adapter calls this only when it
     * can send the request again. Returns false when the call may not be preempted.
     */
    public boolean offerPreemption(Runnable abort) {
        Permit p = permit;
        return p != null && !finished.get() && p.offerPreemption(abort);
    }

    /**
     * The response is about to reach the application: no more preemption. Returns false when the
     * call was preempted already; the adapter must then keep this response from the application
     * and send again after {@link #reacquireAfterPreemption}.
     */
    public boolean withdrawPreemption() {
        Permit p = permit;
        return p == null || p.withdrawPreemption();
    }

    /**
     * Tokens the current attempt has generated so far, as its stream shows them: the scheduler
     * prefers as victim the offered call that has generated the fewest.
     */
    public void reportProgress(long tokens) {
        Permit p = permit;
        if (p != null) {
            p.reportProgress(tokens);
        }
    }

    /**
     * After a preemption, before {@link #reacquireAfterPreemption}: the lost attempt's output is kept
     * (the next attempt continues it), and generating it took {@code nanos} of the slot time.
     */
    public void keptAfterPreemption(long nanos) {
        Permit p = permit;
        if (p != null && p.isPreempted() && nanos > 0) {
            long kept = Math.min(nanos, p.preemptedNanos() - p.grantedNanos());
            keptPreemptedNanos += kept;
            p.keptAfterPreemption(kept);
        }
    }

    /** True when transparent preemption is on and this is a batch call: worth offering. */
    public boolean preemptionEnabled() {
        return classification.priority() == Priority.BE
                && pool.scheduler().policy().preemption();
    }

    /** True when the current attempt lost its slot to an RT call. */
    public boolean wasPreempted() {
        Permit p = permit;
        return p != null && p.isPreempted();
    }

    /**
     * After a preemption: remembers the lost attempt and waits for a slot again, at the front of
     * the batch queue with the call's original arrival time. On rejection or interrupt the call is
     * over, as with {@link #acquire}.
     */
    public Permit reacquireAfterPreemption(Duration timeout) throws InterruptedException, SchedulerRejectedException {
        Permit lost = forgetLostAttempt();
        try {
            return granted(pool.scheduler().reacquire(lost, timeout));
        } catch (InterruptedException | SchedulerRejectedException e) {
            finish(Outcome.REJECTED, e);
            throw e;
        }
    }

    /**
     * As {@link #reacquireAfterPreemption}, without blocking (for clients that must not block their
     * thread): the future completes with the new permit, or exceptionally when the call was refused
     * (it is then over). Cancelling the future leaves the queue.
     */
    public CompletableFuture<Permit> reacquireAfterPreemptionAsync(Duration timeout) {
        Permit lost = forgetLostAttempt();
        return whenDecided(pool.scheduler().reacquireAsync(lost, timeout));
    }

    /** Remembers the lost attempt (for its span) and resets what the next attempt measures anew. */
    private Permit forgetLostAttempt() {
        Permit lost = permit;
        if (lost == null || !lost.isPreempted()) {
            throw new IllegalStateException("the call was not preempted");
        }
        Cancellable guard = maxHold;
        if (guard != null) {
            guard.cancel();
        }
        if (counted.compareAndSet(true, false)) {
            pool.callEnded(); // the lost attempt's slot went back to the scheduler
        }
        long[] before = preemptedAttempts;
        long[] attempts = java.util.Arrays.copyOf(before, before.length + 3);
        attempts[before.length] = lost.grantedNanos();
        attempts[before.length + 1] = sentNanos;
        attempts[before.length + 2] = lost.preemptedNanos();
        preemptedAttempts = attempts;
        sentNanos = NONE;
        status = 0;
        watcher = null;
        firstTokenNanos = NONE;
        startsAtFirstToken = NONE;
        result = null;
        streamError = null;
        return lost;
    }

    /** The response headers arrived: from here on the body's bytes are watched. */
    public void onResponse(int status, String contentType, String contentEncoding) {
        this.status = status;
        try {
            watcher = ResponseWatchers.create(request, status, contentType, contentEncoding, this,
                    ResponseWatchers.DEFAULT_MAX_LINE_BYTES, ResponseWatchers.DEFAULT_MAX_BODY_BYTES,
                    runtime.captureTextChars());
        } catch (RuntimeException e) {
            watcher = null; // watching is best-effort: never disturb the application's call
        }
    }

    /** Body bytes on their way to the application; only looked at, never changed. */
    public void onBytes(ByteBuffer bytes) {
        ResponseWatcher w = watcher;
        if (w != null) {
            w.onBytes(bytes);
        }
    }

    public void onBytes(byte[] bytes, int offset, int length) {
        ResponseWatcher w = watcher;
        if (w != null && length > 0) {
            w.onBytes(bytes, offset, length);
        }
    }

    /**
     * Ends the call and releases its slot; only the first end counts. Returns true for that one.
     */
    public boolean finish(Outcome how, Throwable error) {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        outcome = how;
        ResponseWatcher w = watcher;
        if (w != null && how == Outcome.COMPLETED) {
            w.onEnd();
        }
        Cancellable guard = maxHold;
        if (guard != null) {
            guard.cancel();
        }
        // Uncount before the release: the release may start a waiter at once, which must not count
        // this call as still running beside it (auto N would judge it at a level it never ran at).
        boolean wasCounted = counted.compareAndSet(true, false);
        if (wasCounted) {
            pool.callEnded();
        }
        Permit p = permit;
        if (p != null) {
            p.release();
        }
        LlmResult r = result;
        long hiddenWait = how == Outcome.COMPLETED ? ServerWait.hiddenWaitNanos(r) : -1;
        if (wasCounted && hiddenWait >= 0) {
            try {
                pool.onCallEnd(runningAtStart, overlapping(), hiddenWait, r.promptEvalDurationNanos());
            } catch (RuntimeException e) {
                // learning is best-effort: the call itself is over and its slot released
            }
        }
        CallTelemetry telemetry = runtime.telemetry();
        boolean logCalls = runtime.settings().logCalls();
        if (telemetry == CallTelemetry.NOOP && !logCalls) {
            return true; // nobody reads the record
        }
        long end = pool.scheduler().clock().nanoTime();
        CallRecord record = record(how, error, end, hiddenWait);
        if (logCalls) {
            runtime.log().info(callLine(how, error, end, record));
        }
        try {
            telemetry.callEnded(record);
        } catch (RuntimeException | LinkageError e) {
            // telemetry is best-effort: the call itself is over and its slot released
        }
        return true;
    }

    private CallRecord record(Outcome how, Throwable error, long end, long hiddenWait) {
        CallRecord.Builder b = CallRecord.builder()
                .classification(classification.priority(), classification.rule().label())
                .target(method, uri.getScheme(), uri.getHost(), uri.getPort(), uri.getRawPath())
                .request(request)
                .result(result)
                .outcome(how.label(), error, streamError)
                .status(status)
                .times(startNanos, sentNanos, firstTokenNanos, end)
                .parent(parent)
                .preemptedAttempts(preemptedAttempts)
                .keptAfterPreemption(keptPreemptedNanos)
                .pool(pool.server(), pool.model(), defaultReason, hiddenWait);
        Permit p = permit;
        if (p != null) {
            b.grant(p.arrivalNanos(), p.grantedNanos(), p.queuePosition(), p.promoted());
        }
        return b.build();
    }

    public boolean isFinished() {
        return finished.get();
    }

    /**
     * Releases the slot if {@code body} becomes unreachable before the call ended: the safety net
     * for an application that drops a stream without closing it. The action holds the call, never
     * the body.
     */
    public void reclaimWhenUnreachable(Object body) {
        runtime.cleaner().register(body, new Reclaim(this));
    }

    private static final class Reclaim implements Runnable {
        private final GatedCall call;

        Reclaim(GatedCall call) {
            this.call = call;
        }

        @Override
        public void run() {
            if (call.finish(Outcome.RECLAIMED, null)) {
                call.runtime.log().warn(call.describe()
                        + ": the response body was dropped without being closed; its slot was reclaimed");
            }
        }
    }

    @Override
    public void onFirstToken() {
        firstTokenNanos = pool.scheduler().clock().nanoTime();
        startsAtFirstToken = pool.startsSoFar();
        Permit p = permit;
        if (p != null) {
            p.running(); // the server runs it: a batch call may now probe N + 1 beside it
        }
    }

    /**
     * The most calls of the pool running at once between this one's start and its first token (its
     * end without one): a call granted after this one may reach the server first, and only calls
     * running beside it can have been ahead of it there.
     */
    private int overlapping() {
        long upTo = startsAtFirstToken != NONE ? startsAtFirstToken : pool.startsSoFar();
        return pool.mostRunning(startsBefore, upTo, runningAtStart);
    }

    @Override
    public void onFinal(LlmResult result) {
        this.result = result;
    }

    @Override
    public void onError(String message) {
        streamError = message;
    }

    private String describe() {
        return classification.priority() + " call " + uri;
    }

    private String callLine(Outcome how, Throwable error, long now, CallRecord record) {
        Permit p = permit;
        StringBuilder line = new StringBuilder("call ").append(classification.priority())
                .append(" by=").append(classification.rule().label())
                .append(" path=").append(uri.getRawPath())
                .append(" model=").append(request.model())
                .append(" pool=").append(pool.key())
                .append(" outcome=").append(how.label());
        if (p != null) {
            line.append(" queue_wait=").append(seconds(record.totalQueueWaitNanos()));
            if (p.promoted()) {
                line.append(" promoted=true");
            }
            if (record.preemptions() > 0) {
                line.append(" preempted=").append(record.preemptions())
                        .append(" wasted=").append(seconds(record.preemptedSlotNanos()));
            }
        } else if (how == Outcome.REJECTED) {
            line.append(" queue_wait=").append(seconds(now - startNanos)); // waited until refused
        }
        if (status > 0) {
            line.append(" status=").append(status);
        }
        long first = firstTokenNanos;
        if (first != NONE) {
            line.append(" ttft=").append(seconds(first - startNanos));
            if (p != null) {
                long sent = sentNanos != NONE ? sentNanos : p.grantedNanos();
                line.append(" ttft_server=").append(seconds(first - sent));
            }
        }
        LlmResult r = result;
        if (r != null) {
            line.append(" load=").append(seconds(r.loadDurationNanos()))
                    .append(" prompt_eval=").append(seconds(r.promptEvalDurationNanos()))
                    .append(" eval=").append(seconds(r.evalDurationNanos()))
                    .append(" server_wait=").append(seconds(ServerWait.hiddenWaitNanos(r)))
                    .append(" input_tokens=").append(r.inputTokens())
                    .append(" output_tokens=").append(r.outputTokens());
        }
        line.append(" total=").append(seconds(now - startNanos));
        String problem = error != null ? error.toString() : streamError;
        if (problem != null) {
            line.append(" error=\"").append(problem.replace('"', '\'')).append('"');
        }
        return line.toString();
    }

    private static String seconds(long nanos) {
        return nanos < 0 ? "-" : String.format(Locale.ROOT, "%.3fs", nanos / 1e9);
    }

    /** How the call ended, or null while it runs. */
    public Outcome outcome() {
        return outcome;
    }
}
