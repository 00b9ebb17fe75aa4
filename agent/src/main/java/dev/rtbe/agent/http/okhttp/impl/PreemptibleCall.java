package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.PreemptionHandle;
import dev.rtbe.agent.call.RequestView;
import dev.rtbe.agent.config.ResumeMode;
import dev.rtbe.agent.resume.ChatStream;
import dev.rtbe.agent.resume.ResumableRequest;
import dev.rtbe.agent.resume.Resumption;
import dev.rtbe.agent.scheduler.Permit;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.reflect.Field;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;

/**
 * A batch call that may lose its slot to an RT call (README "Transparent preemption"). Each attempt
 * is a fresh call of the application's client with the application's request ({@code call.clone()}),
 * so the application's interceptors make the same request of it as of the first; its body is the
 * one the call was classified by. An attempt is offered for preemption until its answer may reach
 * the application; a preempted one is cancelled on the wire and, after a new grant, sent again. A
 * qualifying non-streaming chat call goes out as a stream that is read here (README "Resumable
 * preemption"): preemptible to its last byte, its output kept across attempts, and the application
 * gets the one non-streaming body. The application's own call is never executed: it stays the
 * handle it cancels. {@link PreemptibleExecute} and {@link PreemptibleEnqueue} send the attempts
 * and wait for slots; this class says what an attempt's answer means. One attempt at a time.
 */
final class PreemptibleCall {
    /** The application's call. */
    final Call call;
    final GatedCall gated;
    final OkHttpRequestView view;
    /** What every attempt sends as its body (null: the request has none, or a one-shot one not yet copied). */
    private volatile RequestBody body;
    /** A one-shot body the first attempt copies as it writes it, or null. */
    private final RequestBody oneShot;
    private final int maxBodyBytes;
    /** Set when the call goes out as a stream under the hood. */
    private final Resumption resumption;
    /** When the call's own timeout runs out ({@link System#nanoTime()}); 0: none. */
    private final long deadline;
    /** OkHttp's read timeout: bounds a streamed attempt's whole answer, as it bounds the wait for a non-streaming one. */
    private final long readTimeoutNanos;
    private volatile boolean cancelled;
    /** The attempt under way: a fresh call, cancelled on the wire (so the server frees its slot) when preempted. */
    private volatile PreemptionHandle<Call> attempt;
    private volatile CompletableFuture<Permit> waiting;
    private ChatStream stream;
    /** The current attempt's timeout is the read timeout (shorter than what is left of the call's). */
    private boolean readBound;

    private PreemptibleCall(Call call, GatedCall gated, OkHttpRequestView view, RequestBody body, RequestBody oneShot,
                            int maxBodyBytes, Resumption resumption, long deadline, long readTimeoutNanos) {
        this.call = call;
        this.gated = gated;
        this.view = view;
        this.body = body;
        this.oneShot = oneShot;
        this.maxBodyBytes = maxBodyBytes;
        this.resumption = resumption;
        this.deadline = deadline;
        this.readTimeoutNanos = readTimeoutNanos;
    }

    /**
     * The call, granted a slot after {@code queueWaitNanos}, as a preemptible one; null when it is
     * not (not a batch call, preemption off, a body larger than {@code rtbe.preemption.max-body-bytes}
     * or duplex) or on a fault of the agent's. A one-shot body becomes preemptible once its first
     * attempt has written it and the agent kept a copy.
     */
    static PreemptibleCall of(Call call, GatedCall gated, OkHttpRequestView view, long queueWaitNanos) {
        try {
            AgentRuntime runtime = AgentRuntime.current();
            if (runtime == null || !gated.preemptionEnabled()) {
                return null;
            }
            Request request = view.request();
            byte[] bytes = view.bodyRead();
            int maxBodyBytes = runtime.settings().preemptionMaxBodyBytes();
            RequestBody oneShot = bytes == null && request.body() != null && copyable(request.body(), maxBodyBytes)
                    ? request.body() : null;
            if (request.body() != null && oneShot == null && (bytes == null || bytes.length > maxBodyBytes)) {
                return null;
            }
            ResumableRequest resumable = runtime.settings().preemptionResume() == ResumeMode.CONTINUE
                    && request.header("Accept-Encoding") == null // a compressed stream could not be read on the way
                    ? ResumableRequest.of(request.url().encodedPath(), bytes) : null;
            long deadline = view.timeoutNanos > 0 ? System.nanoTime() + Math.max(1, view.timeoutNanos - queueWaitNanos) : 0;
            PreemptibleCall p = new PreemptibleCall(call, gated, view,
                    bytes == null ? null : CollectedBodies.copyOf(request.body(), bytes), oneShot, maxBodyBytes,
                    resumable == null ? null : new Resumption(resumable), deadline,
                    resumable == null ? 0 : readTimeoutNanos(call));
            Cancellations.register(call, p::cancel);
            if (call.isCanceled()) {
                Cancellations.cancelled(call); // cancelled before the action was registered
            }
            return p;
        } catch (RuntimeException | LinkageError agentFault) {
            return null; // the call goes out as before, immune
        }
    }

    /** A one-shot body, not duplex, that may fit the limit: copied as the first attempt writes it. */
    private static boolean copyable(RequestBody body, int maxBytes) {
        try {
            long length = body.contentLength();
            return body.isOneShot() && !body.isDuplex() && length <= maxBytes && maxBytes > 0;
        } catch (IOException | LinkageError e) {
            return false; // before 3.14 no body is one-shot: every one the agent did not read is too large
        }
    }

    /** The client's read timeout; 0 when none or unknown. */
    private static long readTimeoutNanos(Call call) {
        try {
            Field client = call.getClass().getDeclaredField("client"); // every RealCall (3.x to 5.x) has it
            client.setAccessible(true);
            return TimeUnit.MILLISECONDS.toNanos(((OkHttpClient) client.get(call)).readTimeoutMillis());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return 0;
        }
    }

    /** The next attempt: a fresh call with the attempt's body and timeout, offered for preemption. Not yet sent. */
    @SuppressWarnings("deprecation") // RequestBody.create(MediaType, byte[]): the form OkHttp 3 to 5 all have
    Call nextAttempt() throws IOException {
        if (cancelled) {
            throw canceled();
        }
        Call next = call.clone();
        // The scheduler's abort: a call not yet sent fails at once, one under way closes its connection.
        PreemptionHandle<Call> a = new PreemptionHandle<>(gated, Call::cancel);
        a.started(next);
        long timeout = deadline == 0 ? 0 : Math.max(1, deadline - System.nanoTime());
        readBound = false;
        RequestBody toSend = body;
        boolean offerNow = true;
        if (resumption != null) {
            stream = resumption.startAttempt();
            // Read as a stream: 0 tokens so far, and the scheduler knows a preemption would keep its output.
            gated.reportProgress(0);
            toSend = RequestBody.create(body.contentType(), resumption.body());
            if (readTimeoutNanos > 0 && (timeout == 0 || readTimeoutNanos < timeout)) {
                timeout = readTimeoutNanos;
                readBound = true;
            }
        } else if (toSend == null && oneShot != null) {
            offerNow = false; // only once a copy exists could it be sent again
            toSend = new RecordingBody(oneShot, maxBodyBytes, copy -> {
                body = CollectedBodies.copyOf(oneShot, copy);
                a.offer();
            });
        }
        if (toSend != null) {
            AttemptBodies.put(next, toSend);
        }
        try {
            next.timeout().timeout(timeout, TimeUnit.NANOSECONDS);
        } catch (LinkageError olderOkHttp) {
            // before 3.12 a call has no timeout of its own: the client's read timeout applies, as it did
        }
        attempt = a;
        if (cancelled) {
            next.cancel(); // the application cancelled as the attempt was made
        }
        if (offerNow) {
            a.offer(); // before the send, so no byte of the answer outruns the offer
        }
        return next;
    }

    /**
     * The attempt's response arrived: returns what the application gets, or null when the attempt
     * was preempted (send again after {@link #reacquire()}). Throws the call's failure (it is over).
     */
    Response onResponse(Response response) throws IOException {
        if (resumption != null && isStream(response)) {
            return read(response);
        }
        if (!attempt.responseArrived()) {
            response.close(); // preempted first: the application never sees it
            return null;
        }
        return GatedResponses.gate(response, gated, attempt.exchange());
    }

    /** The attempt failed: returns when it was preempted (send again), else throws the call's failure. */
    void onFailure(IOException e) throws IOException {
        if (gated.wasPreempted() && !cancelled) {
            return;
        }
        IOException failure = e;
        if (readBound && e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)
                && "timeout".equals(e.getMessage())) {
            failure = new SocketTimeoutException("timeout"); // what a non-streaming answer's wait would have thrown
            failure.initCause(e);
        }
        gated.finish(Outcome.FAILED, failure);
        throw failure;
    }

    private static boolean isStream(Response response) {
        return ChatStream.isReadableStream(response.code(), response.header("Content-Type"),
                response.header("Content-Encoding"));
    }

    /** Reads a streamed answer here, never in the application: its bytes go to the call's watcher and the stream. */
    private Response read(Response response) throws IOException {
        ChatStream s = stream;
        gated.onResponse(response.code(), response.header("Content-Type"), null);
        try (ResponseBody streamed = response.body()) {
            BufferedSource source = streamed.source();
            Buffer chunk = new Buffer();
            while (source.read(chunk, 8192) >= 0) {
                byte[] bytes = chunk.readByteArray();
                s.onBytes(bytes);
                gated.onBytes(bytes, 0, bytes.length);
                gated.reportProgress(s.tokens());
            }
            s.onEnd();
        } catch (IOException e) {
            onFailure(e);
            return null;
        }
        if (s.finished()) {
            attempt.responseArrived(); // ends the offer; a preemption at the very end finds the answer whole
            byte[] answer;
            try {
                answer = resumption.assemble();
            } catch (RuntimeException agentFault) {
                IOException e = new IOException("rtbe: the streamed answer could not be assembled", agentFault);
                gated.finish(Outcome.FAILED, e);
                throw e;
            }
            gated.finish(Outcome.COMPLETED, null); // the server is done: the slot goes back before the application reads
            return assembled(response, 200, answer);
        }
        if (gated.wasPreempted() && !cancelled) {
            return null;
        }
        if (s.errorBody() != null) { // what Ollama answers a non-streaming call that fails mid-way
            gated.finish(Outcome.COMPLETED, null);
            return assembled(response, 500, s.errorBody());
        }
        IOException e = new IOException("the server ended the stream before its final chunk");
        gated.finish(Outcome.FAILED, e);
        throw e;
    }

    /** The streamed response as the non-streaming one: its status, type, length and body; the application's request. */
    @SuppressWarnings("deprecation") // ResponseBody.create(MediaType, byte[]): the form OkHttp 3 to 5 all have
    private Response assembled(Response streamed, int status, byte[] bytes) {
        Request asked = streamed.request().newBuilder().method(view.request().method(), view.request().body()).build();
        return streamed.newBuilder()
                .request(asked)
                .code(status)
                .message(status == 200 ? streamed.message() : "Internal Server Error")
                .removeHeader("Transfer-Encoding")
                .header("Content-Type", ChatStream.JSON_CONTENT_TYPE)
                .header("Content-Length", Integer.toString(bytes.length))
                .body(ResponseBody.create(MediaType.parse(ChatStream.JSON_CONTENT_TYPE), bytes))
                .build();
    }

    /**
     * After a preemption: keeps the cut attempt's output (a resumed call) and asks for a slot again,
     * without blocking; the call's own timeout bounds the wait. Cancelling the call cancels it.
     */
    CompletableFuture<Permit> reacquire() {
        if (resumption != null && resumption.preempted()) {
            gated.keptAfterPreemption(resumption.lastKeptNanos()); // its generation time was not thrown away
        }
        Duration timeout = deadline == 0 ? null : Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
        CompletableFuture<Permit> f = gated.reacquireAfterPreemptionAsync(timeout);
        waiting = f;
        if (cancelled) {
            f.cancel(false);
        }
        return f;
    }

    /** Once the wait {@link #reacquire()} started is decided: null when the slot is held, else the call's failure (it is over). */
    IOException refusedAgain(CompletableFuture<Permit> permit) {
        if (cancelled || permit.isCancelled()) {
            return canceled();
        }
        Exception refused = Gate.failureOf(permit, view);
        if (refused != null) {
            return RequestView.asIoFailure(refused);
        }
        return gated.isFinished() ? canceled() : null;
    }

    /** The application's {@code Call.cancel()}: the attempt stops on the wire, a wait for a slot ends, the call is over. */
    void cancel() {
        cancelled = true;
        PreemptionHandle<Call> a = attempt;
        if (a != null) {
            a.exchange().cancel(); // the connection first, then the slot: the server never sees N + 1
        }
        gated.finish(Outcome.CANCELLED, null); // before the wait ends, which would end it as refused
        CompletableFuture<Permit> w = waiting;
        if (w != null) {
            w.cancel(false);
        }
    }

    /** What OkHttp reports for a cancelled call. */
    static IOException canceled() {
        return new IOException("Canceled");
    }
}
