package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.RequestView;
import dev.rtbe.agent.config.ResumeMode;
import dev.rtbe.agent.http.AdviceOutcome;
import dev.rtbe.agent.resume.ResumableRequest;
import dev.rtbe.agent.resume.Resumption;
import dev.rtbe.agent.scheduler.Permit;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * A classic batch call that may lose its slot to an RT call (README "Transparent preemption"):
 * each attempt goes out through the client's {@code execute} with a request of its own whose cancel
 * closes the connection, offered for preemption until its response reaches the application; after a
 * preemption the caller's thread (which {@code execute} blocks anyway) waits for a slot again and the
 * same request goes out again. A qualifying chat call goes out as a stream and is continued
 * ({@link StreamedClassic}). The application sees one call: no exception, one response.
 */
final class PreemptibleClassic {
    private final CloseableHttpClient client;
    private final HttpHost target;
    private final ClassicHttpRequest request;
    private final HttpContext context;
    private final GatedCall call;
    private final Apache5RequestView view;
    private final ClassicCancel cancel;

    private PreemptibleClassic(CloseableHttpClient client, HttpHost target, ClassicHttpRequest request,
                               HttpContext context, GatedCall call, Apache5RequestView view) {
        this.client = client;
        this.target = target;
        this.request = request;
        this.context = context;
        this.call = call;
        this.view = view;
        this.cancel = ClassicCancel.hook(request, call);
    }

    /** Sends the call (it holds its slot) until an attempt is not preempted; what {@code doExecute} returns or throws. */
    static AdviceOutcome execute(AgentRuntime runtime, CloseableHttpClient client, HttpHost target,
                                 ClassicHttpRequest request, HttpContext context, GatedCall call,
                                 Apache5RequestView view) {
        PreemptibleClassic p = new PreemptibleClassic(client, target, request, context, call, view);
        int maxBodyBytes = runtime.settings().preemptionMaxBodyBytes();
        ResumableRequest resumable = runtime.settings().preemptionResume() == ResumeMode.CONTINUE
                ? resumable(request, view, maxBodyBytes) : null;
        return resumable != null ? new StreamedClassic(p, new Resumption(resumable)).execute()
                : p.resend(maxBodyBytes);
    }

    /** A qualifying non-streaming chat request the application did not ask to be compressed; else null. */
    private static ResumableRequest resumable(ClassicHttpRequest request, Apache5RequestView view, int maxBodyBytes) {
        byte[] body = view.bodyRead();
        if (body == null || body.length > maxBodyBytes || request.containsHeader("Accept-Encoding")) {
            return null;
        }
        return view.uri() == null ? null : ResumableRequest.of(view.uri().getRawPath(), body);
    }

    /** Sends the request as it is (its body, or a copy kept as it first went out) until an attempt is not preempted. */
    private AdviceOutcome resend(int maxBodyBytes) {
        HttpEntity original = request.getEntity();
        boolean asIs = original == null || (original.isRepeatable() && !original.isStreaming()
                && original.getContentLength() >= 0 && original.getContentLength() <= maxBodyBytes);
        byte[][] copy = new byte[1][];
        while (true) {
            ClassicAttempt[] current = new ClassicAttempt[1];
            HttpEntity entity = asIs ? original : copy[0] != null ? ClassicBodies.copy(copy[0], original)
                    : new RecordingEntity(original, maxBodyBytes, bytes -> {
                        copy[0] = bytes;
                        current[0].preemption().offer(); // the whole body is out: from here it could go again
                    });
            ClassicAttempt attempt = new ClassicAttempt(call, request, entity);
            current[0] = attempt;
            if (asIs || copy[0] != null) {
                attempt.preemption().offer(); // before the send, so a response never outruns the offer
            }
            Sent sent = send(attempt);
            if (sent.outcome != null) {
                return sent.outcome;
            }
            if (sent.response != null) {
                if (attempt.preemption().responseArrived()) {
                    return gate(sent.response);
                }
                ClassicResponses.abort(sent.response); // preempted as it arrived: never shown
            }
            AdviceOutcome refused = reacquire();
            if (refused != null) {
                return refused;
            }
        }
    }

    /** One attempt's exchange up to its response headers: a response, a preemption (neither), or the call's end. */
    Sent send(ClassicAttempt attempt) {
        cancel.sending(attempt);
        try {
            CloseableHttpResponse response = Gate.send(call, () -> client.execute(target, attempt.request(), context));
            return new Sent(response, null);
        } catch (IOException | RuntimeException | Error e) {
            if (attempt.preemption().preempted() && !cancel.cancelled()) {
                return new Sent(null, null);
            }
            call.finish(Outcome.FAILED, e);
            return new Sent(null, AdviceOutcome.failed(e));
        }
    }

    /** The response the application gets as it came, its body gated as any call's. */
    AdviceOutcome gate(CloseableHttpResponse response) {
        try {
            return AdviceOutcome.of(ClassicResponses.gate(response, call));
        } catch (RuntimeException | LinkageError agentFault) {
            call.finish(Outcome.FAILED, agentFault);
            return AdviceOutcome.of(response);
        }
    }

    /** After a preemption: waits on the caller's thread for a slot again. Null once held; else the call's end. */
    AdviceOutcome reacquire() {
        if (cancel.cancelled()) {
            call.finish(Outcome.CANCELLED, null);
            return AdviceOutcome.failed(new InterruptedIOException("Request aborted"));
        }
        CompletableFuture<Permit> permit;
        try {
            permit = call.reacquireAfterPreemptionAsync(view.ownTimeout());
        } catch (RuntimeException e) {
            call.finish(Outcome.FAILED, e);
            return AdviceOutcome.failed(RequestView.asIoFailure(e));
        }
        cancel.waiting(permit);
        Exception refused = Gate.await(call, view, permit);
        return refused == null ? null : AdviceOutcome.failed(refused);
    }

    GatedCall call() {
        return call;
    }

    ClassicHttpRequest request() {
        return request;
    }

    /** What one attempt's send came to. */
    static final class Sent {
        final CloseableHttpResponse response;
        final AdviceOutcome outcome;

        Sent(CloseableHttpResponse response, AdviceOutcome outcome) {
            this.response = response;
            this.outcome = outcome;
        }
    }
}
