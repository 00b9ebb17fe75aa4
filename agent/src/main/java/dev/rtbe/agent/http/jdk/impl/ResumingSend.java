package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.http.AdviceOutcome;
import dev.rtbe.agent.resume.ChatStream;
import dev.rtbe.agent.resume.ResumableRequest;
import dev.rtbe.agent.resume.Resumption;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A blocking {@code send} of a non-streaming batch chat call that goes to the server as a stream
 * (README "Resumable preemption"): each attempt is offered for preemption until its stream's last
 * byte; a preempted attempt keeps its output and the next attempt, after a new grant, continues
 * it (or starts again, as {@link Resumption} decides). At the end the application's handler gets
 * the one non-streaming body the server would have sent.
 */
final class ResumingSend {
    private ResumingSend() {}

    /** Whether the call is sent this way: a qualifying request the application did not ask to be compressed. */
    static ResumableRequest resumable(JdkRequests.Prepared prepared) {
        if (prepared.request.headers().firstValue("Accept-Encoding").isPresent()) {
            return null; // a compressed stream could not be read on the way
        }
        byte[] body = prepared.view.body(prepared.runtime.settings().preemptionMaxBodyBytes());
        return ResumableRequest.of(prepared.request.uri().getRawPath(), body);
    }

    static AdviceOutcome send(HttpClient client, JdkRequests.Prepared prepared, HttpResponse.BodyHandler<?> handler,
                              GatedCall call, ResumableRequest request) {
        Resumption resumption = new Resumption(request);
        while (true) {
            PreemptibleAttempt attempt = new PreemptibleAttempt(call);
            ChatStream stream = resumption.startAttempt();
            StreamedAttempt attemptHandler = new StreamedAttempt(handler, call, attempt, stream);
            HttpRequest toSend = JdkRequests.withBody(prepared.request,
                    HttpRequest.BodyPublishers.ofByteArray(resumption.body()));
            attempt.offer(); // before the send, so no byte of the answer outruns the offer
            CompletableFuture<HttpResponse<Object>> exchange;
            try {
                exchange = Gate.send(call, () -> client.sendAsync(toSend, attemptHandler));
            } catch (Throwable e) {
                call.finish(Outcome.FAILED, e);
                return AdviceOutcome.failed(e);
            }
            attempt.started(exchange);
            HttpResponse<Object> response = null;
            Throwable failure = null;
            try {
                response = awaitExchange(exchange, prepared.request);
            } catch (HttpTimeoutException e) {
                exchange.cancel(true);
                attemptHandler.close();
                call.finish(Outcome.FAILED, e);
                return AdviceOutcome.failed(e);
            } catch (InterruptedException e) {
                exchange.cancel(true); // as the JDK's own send does when interrupted
                attemptHandler.close();
                call.finish(Outcome.CANCELLED, e);
                return AdviceOutcome.failed(e);
            } catch (ExecutionException | CancellationException e) {
                failure = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            }
            boolean readHere = attemptHandler.close();
            if (readHere && stream.finished()) {
                attempt.responseArrived(); // ends the offer; a preemption at the very end finds the answer whole
                return answer(prepared, handler, call, attemptHandler, response, resumption);
            }
            if (!call.wasPreempted()) {
                return ended(prepared, handler, call, attemptHandler, response, failure, stream);
            }
            if (resumption.preempted()) {
                call.keptAfterPreemption(resumption.lastKeptNanos()); // its generation time was not thrown away
            }
            AdviceOutcome refused = PreemptibleAttempt.reacquire(call, prepared.view);
            if (refused != null) {
                return refused;
            }
        }
    }

    /**
     * Waits for the attempt's exchange. The request's own timeout bounds the wait for a response,
     * which for a non-streaming call is the whole answer; the stream's headers come at once, so
     * the agent applies that timeout to the whole stream, as the call would have had it.
     */
    private static HttpResponse<Object> awaitExchange(CompletableFuture<HttpResponse<Object>> exchange, HttpRequest request)
            throws InterruptedException, ExecutionException, HttpTimeoutException {
        Duration timeout = request.timeout().orElse(null);
        if (timeout == null) {
            return exchange.get();
        }
        try {
            return exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new HttpTimeoutException("request timed out");
        }
    }

    /** The whole answer, joined: the application gets it as one non-streaming body. */
    private static AdviceOutcome answer(JdkRequests.Prepared prepared, HttpResponse.BodyHandler<?> handler,
                                        GatedCall call, StreamedAttempt attempt, HttpResponse<Object> response,
                                        Resumption resumption) {
        byte[] body;
        try {
            body = resumption.assemble();
        } catch (RuntimeException agentFault) {
            IOException e = new IOException("rtbe: the streamed answer could not be assembled", agentFault);
            call.finish(Outcome.FAILED, e);
            return AdviceOutcome.failed(e);
        }
        call.finish(Outcome.COMPLETED, null); // the server is done: the slot goes back before the application reads
        return deliver(prepared, handler, attempt, response, 200, body);
    }

    /** Not preempted, and no whole answer: an error the server streamed, the application's own response, or a failure. */
    private static AdviceOutcome ended(JdkRequests.Prepared prepared, HttpResponse.BodyHandler<?> handler,
                                       GatedCall call, StreamedAttempt attempt, HttpResponse<Object> response,
                                       Throwable failure, ChatStream stream) {
        if (failure != null) {
            call.finish(Outcome.FAILED, failure);
            return AdviceOutcome.failed(failure);
        }
        if (attempt.info() == null) {
            return AdviceOutcome.of(response); // went to the application's handler, which ends the call
        }
        if (stream.errorBody() != null) { // what Ollama answers a non-streaming call that fails mid-way
            call.finish(Outcome.COMPLETED, null);
            return deliver(prepared, handler, attempt, response, 500, stream.errorBody());
        }
        IOException e = new IOException("the server ended the stream before its final chunk");
        call.finish(Outcome.FAILED, e);
        return AdviceOutcome.failed(e);
    }

    private static AdviceOutcome deliver(JdkRequests.Prepared prepared, HttpResponse.BodyHandler<?> handler,
                                         StreamedAttempt attempt, HttpResponse<Object> response, int status,
                                         byte[] body) {
        try {
            return AdviceOutcome.of(AssembledResponse.deliver(attempt.info(), response, prepared.request, handler, status,
                    ChatStream.JSON_CONTENT_TYPE, body));
        } catch (InterruptedException e) {
            return AdviceOutcome.failed(e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return AdviceOutcome.failed(cause instanceof IOException ? cause : new IOException(cause));
        } catch (RuntimeException e) {
            return AdviceOutcome.failed(e);
        }
    }
}
