package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.PreemptionHandle;
import dev.rtbe.agent.config.ResumeMode;
import dev.rtbe.agent.resume.ChatStream;
import dev.rtbe.agent.resume.ResumableRequest;
import dev.rtbe.agent.resume.Resumption;
import dev.rtbe.agent.scheduler.Permit;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.impl.BasicEntityDetails;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.nio.AsyncPushConsumer;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.HandlerFactory;
import org.apache.hc.core5.http.nio.entity.AsyncEntityProducers;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * An async batch call that may lose its slot to an RT call (README "Transparent preemption"): each
 * attempt is an exchange of the client's own, offered for preemption until its response reaches
 * the application; the scheduler's abort cancels the exchange's future (which closes its
 * connection). A preempted call asks for a slot again without blocking anyone
 * ({@link GatedCall#reacquireAfterPreemptionAsync}) and its next attempt starts on the agent's
 * dispatch thread, never on an I/O reactor. A qualifying chat call goes out as a stream read by
 * {@link AttemptConsumer} and is continued; the application's consumer then gets the one
 * non-streaming response the server would have sent. The application's future completes once.
 */
final class PreemptibleAsync<T> {
    private final CloseableHttpAsyncClient client;
    private final HttpHost target;
    private final HttpRequest request;
    private final AsyncRequestProducer producer;
    private final AsyncResponseConsumer<T> consumer;
    private final HandlerFactory<AsyncPushConsumer> pushHandlerFactory;
    private final HttpContext context;
    private final GatedCall call;
    private final Apache5RequestView view;
    private final GatedFuture<T> result;
    /** Null: each attempt sends the application's request as it is. */
    private final Resumption resumption;
    private final ContentType bodyType;

    private PreemptibleAsync(CloseableHttpAsyncClient client, HttpHost target, HttpRequest request,
                             AsyncRequestProducer producer, AsyncResponseConsumer<T> consumer,
                             HandlerFactory<AsyncPushConsumer> pushHandlerFactory, HttpContext context, GatedCall call,
                             Apache5RequestView view, GatedFuture<T> result, Resumption resumption,
                             ContentType bodyType) {
        this.client = client;
        this.target = target;
        this.request = request;
        this.producer = producer;
        this.consumer = consumer;
        this.pushHandlerFactory = pushHandlerFactory;
        this.context = context;
        this.call = call;
        this.view = view;
        this.result = result;
        this.resumption = resumption;
        this.bodyType = bodyType;
    }

    /** The call's preemptible sending, or null when it cannot be sent again (it is then immune). */
    static <T> PreemptibleAsync<T> of(AgentRuntime runtime, CloseableHttpAsyncClient client, HttpHost target,
                                      RequestProbe.Seen seen, AsyncRequestProducer producer,
                                      AsyncResponseConsumer<T> consumer,
                                      HandlerFactory<AsyncPushConsumer> pushHandlerFactory, HttpContext context,
                                      GatedCall call, Apache5RequestView view, GatedFuture<T> result) {
        if (!call.preemptionEnabled()) {
            return null;
        }
        int maxBodyBytes = runtime.settings().preemptionMaxBodyBytes();
        ResumableRequest resumable = runtime.settings().preemptionResume() == ResumeMode.CONTINUE
                ? resumable(seen.request, view, maxBodyBytes) : null;
        if (resumable == null && !canSendAgain(seen, producer, view, maxBodyBytes)) {
            return null;
        }
        ContentType type = ContentType.APPLICATION_JSON;
        try {
            type = seen.contentType == null ? type : ContentType.parse(seen.contentType);
        } catch (RuntimeException unparsable) {
            // sent as JSON, which a chat body is
        }
        if (resumable != null) {
            producer.releaseResources(); // its body was read whole; the attempts send the agent's own
        }
        return new PreemptibleAsync<>(client, target, seen.request, producer, consumer, pushHandlerFactory, context,
                call, view, result, resumable == null ? null : new Resumption(resumable), type);
    }

    private static ResumableRequest resumable(HttpRequest request, Apache5RequestView view, int maxBodyBytes) {
        byte[] body = view.bodyRead();
        if (body == null || body.length > maxBodyBytes || request.containsHeader("Accept-Encoding")
                || view.uri() == null) {
            return null; // a compressed stream could not be read on the way
        }
        return ResumableRequest.of(view.uri().getRawPath(), body);
    }

    private static boolean canSendAgain(RequestProbe.Seen seen, AsyncRequestProducer producer,
                                        Apache5RequestView view, int maxBodyBytes) {
        AsyncBody read = view.asyncBody();
        if (read != null) {
            return read.canSendAgain(maxBodyBytes);
        }
        byte[] body = view.bodyRead();
        return !seen.hasBody || (producer.isRepeatable() && (body == null || body.length <= maxBodyBytes));
    }

    /** Sends the next attempt; the call holds its slot. Never on an I/O reactor thread. */
    void send() {
        if (result.isDone()) {
            call.finish(Outcome.CANCELLED, null); // cancelled while it waited
            return;
        }
        // The scheduler's abort: cancelling the exchange's future ends it on the wire.
        PreemptionHandle<Future<?>> attempt = new PreemptionHandle<>(call, f -> f.cancel(true));
        ChatStream stream = null;
        AsyncRequestProducer toSend;
        if (resumption != null) {
            stream = resumption.startAttempt();
            // Read as a stream: 0 tokens so far, and the scheduler knows a preemption would keep its output.
            call.reportProgress(0);
            toSend = new BasicRequestProducer(request, AsyncEntityProducers.create(resumption.body(), bodyType));
        } else {
            toSend = new AttemptProducer(producer, attempt);
        }
        AttemptConsumer attemptConsumer = new AttemptConsumer(consumer, call, attempt, stream);
        Outcomes outcomes = new Outcomes(attempt, attemptConsumer, stream);
        attempt.offer(); // before the send, so no byte of the answer outruns the offer
        Future<Object> exchange;
        try {
            exchange = Gate.send(call, () -> client.execute(target, toSend, attemptConsumer, pushHandlerFactory, context,
                    outcomes));
        } catch (RuntimeException | Error e) {
            call.finish(Outcome.FAILED, e);
            result.failed(e instanceof Exception ? (Exception) e : new RuntimeException(e));
            return;
        }
        result.exchangeStarted(exchange); // first: a cut at once may send the next attempt before started returns
        attempt.started(exchange);
    }

    /** After a preemption: keeps the output, asks for a slot again, and sends the next attempt once granted. */
    private void again() {
        if (resumption != null && resumption.preempted()) {
            call.keptAfterPreemption(resumption.lastKeptNanos()); // its generation time was not thrown away
        }
        CompletableFuture<Permit> next;
        try {
            next = call.reacquireAfterPreemptionAsync(view.ownTimeout());
        } catch (RuntimeException e) {
            call.finish(Outcome.FAILED, e);
            result.failed(e);
            return;
        }
        result.waiting(next);
        next.whenCompleteAsync((granted, refused) -> {
            if (refused == null) {
                send();
            } else if (!next.isCancelled()) {
                result.failed(Gate.failureOf(next, view));
            }
        }, Gate.dispatch());
    }

    private void fail(Exception e) {
        call.finish(Outcome.FAILED, e);
        consumer.failed(e);
        consumer.releaseResources();
        result.failed(e);
    }

    /**
     * Hands the application's consumer {@code body} as a response with {@code status}: the stream's
     * status line and headers with the JSON body's type and length, as if the server had sent it.
     */
    private void deliver(HttpResponse stream, int status, byte[] body) {
        BasicHttpResponse response = new BasicHttpResponse(status, status == 200 ? "OK" : "Internal Server Error");
        response.setVersion(stream.getVersion());
        for (Header h : stream.getHeaders()) {
            String name = h.getName();
            if (!name.equalsIgnoreCase("Content-Type") && !name.equalsIgnoreCase("Content-Length")
                    && !name.equalsIgnoreCase("Transfer-Encoding") && !name.equalsIgnoreCase("Content-Encoding")) {
                response.addHeader(h);
            }
        }
        response.addHeader("Content-Type", ChatStream.JSON_CONTENT_TYPE);
        response.addHeader("Content-Length", Integer.toString(body.length));
        try {
            consumer.consumeResponse(response,
                    new BasicEntityDetails(body.length, ContentType.parse(ChatStream.JSON_CONTENT_TYPE)),
                    context != null ? context : HttpClientContext.create(), new FutureCallback<T>() {
                        @Override
                        public void completed(T value) {
                            result.completed(value);
                        }

                        @Override
                        public void failed(Exception e) {
                            result.failed(e);
                        }

                        @Override
                        public void cancelled() {
                            result.cancel();
                        }
                    });
            consumer.consume(ByteBuffer.wrap(body));
            consumer.streamEnd(null);
        } catch (Exception e) {
            consumer.failed(e);
            result.failed(e);
        } finally {
            consumer.releaseResources();
        }
    }

    /** What one attempt's exchange came to: the call's end, or a preemption and the next attempt. */
    private final class Outcomes implements FutureCallback<Object> {
        private final PreemptionHandle<?> attempt;
        private final AttemptConsumer attemptConsumer;
        private final ChatStream stream;

        Outcomes(PreemptionHandle<?> attempt, AttemptConsumer attemptConsumer, ChatStream stream) {
            this.attempt = attempt;
            this.attemptConsumer = attemptConsumer;
            this.stream = stream;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void completed(Object value) {
            if (value != AttemptConsumer.STREAMED) {
                call.finish(Outcome.COMPLETED, null); // the application's consumer has seen the whole body
                result.completed((T) value);
            } else if (stream.finished()) {
                attempt.responseArrived(); // ends the offer; a preemption at the very end finds the answer whole
                byte[] body;
                try {
                    body = resumption.assemble();
                } catch (RuntimeException agentFault) {
                    fail(new IOException("rtbe: the streamed answer could not be assembled", agentFault));
                    return;
                }
                call.finish(Outcome.COMPLETED, null); // the server is done: the slot goes back first
                deliver(attemptConsumer.streamed(), 200, body);
            } else if (attempt.preempted()) {
                attemptConsumer.close();
                again();
            } else if (stream.errorBody() != null) { // what Ollama answers a non-streaming call that fails mid-way
                call.finish(Outcome.COMPLETED, null);
                deliver(attemptConsumer.streamed(), 500, stream.errorBody());
            } else {
                fail(new IOException("the server ended the stream before its final chunk"));
            }
        }

        @Override
        public void failed(Exception error) {
            if (attempt.preempted()) {
                attemptConsumer.close();
                again();
                return;
            }
            call.finish(Outcome.FAILED, error);
            result.failed(error);
        }

        @Override
        public void cancelled() {
            if (attempt.preempted() && !result.isCancelled()) {
                attemptConsumer.close(); // the abort may run on another thread than the reactor's
                again();
                return;
            }
            call.finish(Outcome.CANCELLED, null);
            result.cancel();
        }
    }
}
