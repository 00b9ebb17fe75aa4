package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.PreemptionHandle;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

/**
 * A preemptible call sent again as it is after a preemption: same request, the application's
 * handler on each attempt (which sees only the response of the attempt that kept its slot). A
 * one-shot body is copied as it goes out the first time and sent from the copy afterwards; the
 * attempt is offered only once that copy exists.
 */
final class RepeatPlan extends AttemptPlan {
    private final JdkRequests.Prepared prepared;
    private final HttpResponse.BodyHandler<?> application;
    private final GatedCall call;
    private final int maxBodyBytes;
    private volatile byte[] bodyCopy;
    private HttpResponse.BodyHandler<?> handler;

    RepeatPlan(JdkRequests.Prepared prepared, HttpResponse.BodyHandler<?> application, GatedCall call, int maxBodyBytes) {
        this.prepared = prepared;
        this.application = application;
        this.call = call;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    HttpRequest next(PreemptibleAttempt attempt) {
        PreemptionHandle<?> preemption = attempt.preemption();
        handler = new GatedBodyHandler<>(application, call, preemption);
        HttpRequest request = prepared.request;
        byte[] copy = bodyCopy;
        if (prepared.resend == JdkRequests.Resend.AS_IS) {
            preemption.offer(); // before the send, so a response never outruns the offer
            return request;
        }
        if (copy != null) {
            preemption.offer();
            return JdkRequests.withBody(request, HttpRequest.BodyPublishers.ofByteArray(copy));
        }
        return JdkRequests.withBody(request, new RecordingBodyPublisher(request.bodyPublisher().orElseThrow(),
                maxBodyBytes, bytes -> {
                    bodyCopy = bytes;
                    preemption.offer(); // the whole body is out: from here it could go again
                }));
    }

    @Override
    HttpResponse.BodyHandler<?> handler() {
        return handler;
    }

    @Override
    CompletableFuture<Object> ended(HttpResponse<?> response, Throwable failure) {
        if (call.wasPreempted()) {
            return null;
        }
        if (failure != null) {
            call.finish(Outcome.FAILED, failure);
            return CompletableFuture.failedFuture(failure);
        }
        return CompletableFuture.completedFuture(response); // its handler ends the call at the body's end
    }
}
