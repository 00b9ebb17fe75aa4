package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.resume.ChatStream;
import dev.rtbe.agent.resume.ResumableRequest;
import dev.rtbe.agent.resume.Resumption;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletableFuture;

/**
 * A non-streaming batch chat call that goes to the server as a stream (README "Resumable
 * preemption"): each attempt is offered for preemption until its stream's last byte; a preempted
 * attempt keeps its output and the next attempt, after a new grant, continues it (or starts again,
 * as {@link Resumption} decides). At the end the application's handler gets the one non-streaming
 * body the server would have sent. The request's own timeout bounds each attempt's whole answer:
 * the stream's headers come at once, and for a non-streaming call the response is the whole answer.
 */
final class ResumingSend extends AttemptPlan {
    private final JdkRequests.Prepared prepared;
    private final HttpResponse.BodyHandler<?> application;
    private final GatedCall call;
    private final Resumption resumption;
    /**
     * The request the attempts are made of: without {@code Accept-Encoding}, as the agent reads the
     * stream on the way; the application, which gets the body uncompressed and without a
     * {@code Content-Encoding}, reads it as any identity-encoded answer (Spring's RestClient asks for gzip).
     */
    private final HttpRequest uncompressed;
    private PreemptibleAttempt attempt;
    private ChatStream stream;
    private StreamedAttempt handler;

    ResumingSend(JdkRequests.Prepared prepared, HttpResponse.BodyHandler<?> application, GatedCall call,
                 ResumableRequest request) {
        this.prepared = prepared;
        this.application = application;
        this.call = call;
        this.resumption = new Resumption(request);
        this.uncompressed = prepared.request.headers().firstValue("Accept-Encoding").isPresent()
                ? JdkRequests.withoutHeader(prepared.request, "Accept-Encoding") : prepared.request;
    }

    /** Whether the call is sent this way: a qualifying request. */
    static ResumableRequest resumable(JdkRequests.Prepared prepared) {
        byte[] body = prepared.view.body(prepared.runtime.settings().preemptionMaxBodyBytes());
        return ResumableRequest.of(prepared.request.uri().getRawPath(), body);
    }

    @Override
    HttpRequest next(PreemptibleAttempt next) {
        attempt = next;
        stream = resumption.startAttempt();
        // Read as a stream: 0 tokens so far, and the scheduler knows a preemption would keep its output.
        call.reportProgress(0);
        handler = new StreamedAttempt(application, call, next.preemption(), stream);
        prepared.request.timeout().ifPresent(next::expireAfter);
        next.preemption().offer(); // before the send, so no byte of the answer outruns the offer
        return JdkRequests.withBody(uncompressed, HttpRequest.BodyPublishers.ofByteArray(resumption.body()));
    }

    @Override
    HttpResponse.BodyHandler<?> handler() {
        return handler;
    }

    @Override
    void abandon() {
        handler.close();
    }

    @Override
    CompletableFuture<Object> ended(HttpResponse<?> response, Throwable failure) {
        boolean readHere = handler.close();
        if (readHere && stream.finished()) {
            attempt.preemption().responseArrived(); // ends the offer; a preemption at the very end finds the answer whole
            return answer(response);
        }
        if (attempt.timedOut()) {
            return failed(new HttpTimeoutException("request timed out"));
        }
        if (!call.wasPreempted()) {
            return notPreempted(response, failure);
        }
        if (resumption.preempted()) {
            call.keptAfterPreemption(resumption.lastKeptNanos()); // its generation time was not thrown away
        }
        return null;
    }

    /** The whole answer, joined: the application gets it as one non-streaming body. */
    private CompletableFuture<Object> answer(HttpResponse<?> response) {
        byte[] body;
        try {
            body = resumption.assemble();
        } catch (RuntimeException agentFault) {
            return failed(new IOException("rtbe: the streamed answer could not be assembled", agentFault));
        }
        call.finish(Outcome.COMPLETED, null); // the server is done: the slot goes back before the application reads
        return deliver(response, 200, body);
    }

    /** No whole answer: an error the server streamed, the application's own response, or a failure. */
    private CompletableFuture<Object> notPreempted(HttpResponse<?> response, Throwable failure) {
        if (failure != null) {
            return failed(failure);
        }
        if (handler.info() == null) {
            return CompletableFuture.completedFuture(response); // went to the application's handler, which ends the call
        }
        if (stream.errorBody() != null) { // what Ollama answers a non-streaming call that fails mid-way
            call.finish(Outcome.COMPLETED, null);
            return deliver(response, 500, stream.errorBody());
        }
        return failed(new IOException("the server ended the stream before its final chunk"));
    }

    private CompletableFuture<Object> failed(Throwable e) {
        call.finish(Outcome.FAILED, e);
        return CompletableFuture.failedFuture(e);
    }

    /** Hands {@code body} to the application's handler; it fails as the client's own body would, with an IOException. */
    private CompletableFuture<Object> deliver(HttpResponse<?> response, int status, byte[] body) {
        CompletableFuture<Object> delivered = new CompletableFuture<>();
        try {
            AssembledResponse.deliver(handler.info(), response, prepared.request, application, status,
                    ChatStream.JSON_CONTENT_TYPE, body).whenComplete((r, error) -> {
                        if (error == null) {
                            delivered.complete(r);
                        } else {
                            Throwable e = unwrap(error);
                            delivered.completeExceptionally(e instanceof IOException || e instanceof RuntimeException
                                    || e instanceof Error ? e : new IOException(e));
                        }
                    });
        } catch (RuntimeException e) {
            delivered.completeExceptionally(e); // the application's handler threw
        }
        return delivered;
    }
}
