package dev.rtbe.agent.call;

import dev.rtbe.agent.classify.Classification;
import dev.rtbe.agent.telemetry.TraceParent;
import dev.rtbe.agent.scheduler.DaemonThreads;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.QueueTimeoutException;
import dev.rtbe.agent.wire.LlmRequest;
import java.net.URI;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The start of every gated call, whatever the client: is it ours (agent on, not nested, a
 * configured endpoint), read the request through its {@link RequestView} (headers and body as
 * sent), classify on the application's thread, fail open on any fault of the agent's, wait for a
 * slot with the client's own timeout, translate a failure to the client's exception, and continue
 * a call that had to wait on one dispatch executor. Adapters supply the view and their wrappers.
 */
public final class Gate {
    /**
     * Runs the continuation of a call whose slot was granted later, on the thread that released
     * one (often an event loop or an I/O reactor, which must not run the client's request set-up).
     */
    private static final ExecutorService DISPATCH = Executors.newCachedThreadPool(new DaemonThreads("rtbe-dispatch"));

    private Gate() {}

    /** The running agent's runtime when {@code uri} is gated from this thread now, else null. */
    public static AgentRuntime runtimeFor(URI uri) {
        AgentRuntime runtime = AgentRuntime.current();
        if (runtime == null || ReentryGuard.isActive() || uri == null || !runtime.endpoints().matches(uri)) {
            return null;
        }
        return runtime;
    }

    /**
     * Starts the call on the application's thread, or returns null when it is not ours or the
     * agent failed to read it (fail open: it goes out ungated). Does not wait.
     */
    public static GatedCall begin(RequestView view) {
        try {
            URI uri = view.uri();
            AgentRuntime runtime = runtimeFor(uri);
            return runtime == null ? null : begin(runtime, uri, view);
        } catch (RuntimeException | LinkageError agentFault) {
            return null;
        }
    }

    private static GatedCall begin(AgentRuntime runtime, URI uri, RequestView view) {
        String header = view.header(runtime.classifier().headerName());
        LlmRequest request = inspect(runtime, uri, view);
        return GatedCall.begin(runtime, view.method(), uri, request, header);
    }

    private static LlmRequest inspect(AgentRuntime runtime, URI uri, RequestView view) {
        return runtime.inspector().inspect(uri.getRawPath(), view.body(runtime.inspector().maxBodyBytes()));
    }

    /**
     * For a body still being read when the call starts (a one-shot body read without blocking the
     * application, or a lazy client (Reactor) that builds a request on one thread and sends it,
     * perhaps again and again, from whichever thread subscribes): applies the rules that need the
     * application's thread now, and the body's rules when {@link Pending#start} gets the body,
     * once per sending. Null when not ours or on a fault of the agent's (fail open).
     */
    public static Pending beginLater(RequestView view) {
        try {
            URI uri = view.uri();
            AgentRuntime runtime = runtimeFor(uri);
            if (runtime == null) {
                return null;
            }
            Classification byCaller = runtime.classifier().callerRules(view.header(runtime.classifier().headerName()));
            return new Pending(runtime, view.method(), uri, byCaller, GatedCall.currentParent(runtime));
        } catch (RuntimeException | LinkageError agentFault) {
            return null;
        }
    }

    /** A call classified as far as the application's thread allows, waiting for its body. */
    public static final class Pending {
        private final AgentRuntime runtime;
        private final String method;
        private final URI uri;
        private final Classification byCaller;
        private final TraceParent parent;

        Pending(AgentRuntime runtime, String method, URI uri, Classification byCaller, TraceParent parent) {
            this.runtime = runtime;
            this.method = method;
            this.uri = uri;
            this.byCaller = byCaller;
            this.parent = parent;
        }

        public AgentRuntime runtime() {
            return runtime;
        }

        /** The call, once the body is read ({@code body} null: not collected). Any thread; a new call each time. */
        public GatedCall start(byte[] body) {
            return start(body, null);
        }

        /**
         * As {@link #start(byte[])}, with the classification header as the request was written
         * ({@code null}: not seen), which wins over the one seen when the request was built: a
         * layer inside the exchange (Spring's interceptors and filters) may set it.
         */
        public GatedCall start(byte[] body, String headerAsSent) {
            LlmRequest request = runtime.inspector().inspect(uri.getRawPath(), body);
            Classification byWire = runtime.classifier().headerRule(headerAsSent);
            Classification decided = byWire != null ? byWire : byCaller != null ? byCaller
                    : runtime.classifier().bodyRules(request.bodyParsed() ? request.stream() : null);
            return new GatedCall(runtime, method, uri, request, decided, parent);
        }
    }

    /**
     * Says once per agent (so once per JVM) that a request body was larger than {@code rtbe.request.max-body-bytes}:
     * it went out unchanged, and its call was classified without it.
     */
    public static void bodyOverLimit(String client, long seenBytes) {
        AgentRuntime runtime = AgentRuntime.current();
        if (runtime != null && !runtime.bodyOverLimitSaid.getAndSet(true)) {
            runtime.log().info(client + ": a request body passed rtbe.request.max-body-bytes="
                    + runtime.settings().requestMaxBodyBytes() + " (" + seenBytes
                    + " bytes or more); such bodies go out unchanged and their calls are classified without"
                    + " the body (header, stack, thread, default). Said once.");
        }
    }

    /** Asks for a slot without blocking, bounded by the request's own timeout. */
    public static CompletableFuture<Permit> acquire(GatedCall call, RequestView view) {
        return call.acquireAsync(view.ownTimeout());
    }

    /**
     * Waits on the calling thread for the slot {@link #acquire} asked for. Returns null once it is
     * held, else the exception the client should throw (the call is then over). Cancelling
     * {@code permit} from another thread ends the wait.
     */
    public static Exception await(GatedCall call, RequestView view, CompletableFuture<Permit> permit) {
        try {
            permit.get();
        } catch (InterruptedException e) {
            call.finish(Outcome.REJECTED, e); // first: a slot granted meanwhile goes straight back
            permit.cancel(false);
            Thread.currentThread().interrupt(); // the waiter left; the interrupt stays visible
            return view.interruptedFailure(e);
        } catch (ExecutionException | CancellationException e) {
            return failure(e, view);
        }
        if (call.isFinished()) {
            return view.cancelledFailure(new CancellationException("the call ended as its slot was granted"));
        }
        return null;
    }

    /** {@link #acquire} then {@link #await}. */
    public static Exception await(GatedCall call, RequestView view) {
        return await(call, view, acquire(call, view));
    }

    /**
     * Runs {@code continuation} when the slot is decided (granted, refused or cancelled): at once
     * when it already is, else on {@code executor} (the dispatch executor when null).
     */
    public static void whenDecided(CompletableFuture<Permit> permit, Executor executor, Runnable continuation) {
        if (permit.isDone()) {
            continuation.run();
        } else {
            permit.whenCompleteAsync((p, e) -> continuation.run(), executor == null ? DISPATCH : executor);
        }
    }

    /** The executor that continues calls granted late; for clients that need it as their own type. */
    public static Executor dispatch() {
        return DISPATCH;
    }

    /** Why a decided permit is not a grant, as the client reports it; null when it is granted. */
    public static Exception failureOf(CompletableFuture<Permit> permit, RequestView view) {
        if (!permit.isCompletedExceptionally()) {
            return null;
        }
        try {
            permit.join();
            return null;
        } catch (CompletionException | CancellationException e) {
            return failure(e, view);
        }
    }

    /** A failure to get a slot (wrapped or not), as the client reports it. */
    public static Exception failure(Throwable error, RequestView view) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof QueueTimeoutException && ((QueueTimeoutException) cause).isCallTimeout()) {
            return view.timeoutFailure((QueueTimeoutException) cause);
        }
        if (cause instanceof CancellationException) {
            return view.cancelledFailure((CancellationException) cause);
        }
        if (cause instanceof InterruptedException) {
            return view.interruptedFailure((InterruptedException) cause);
        }
        return cause instanceof Exception ? (Exception) cause : RequestView.asIoFailure(cause);
    }

    /**
     * Runs the client's real send under the {@link ReentryGuard}, after the grant: marks the send
     * time, so the server's time to first token is counted from here.
     */
    public static <T, E extends Throwable> T send(GatedCall call, Send<T, E> send) throws E {
        ReentryGuard.enter();
        try {
            call.onSent();
            return send.run();
        } finally {
            ReentryGuard.exit();
        }
    }

    /** The client's own send, which may throw what the client throws. */
    @FunctionalInterface
    public interface Send<T, E extends Throwable> {
        T run() throws E;
    }
}
