package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.PreemptionHandle;
import java.io.IOException;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.RequestChannel;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The request producer one attempt sends: the application's (or what the agent read of it),
 * unchanged, except that a failure caused by a preemption is not passed on: the producer goes out
 * again with the next attempt. Its resources are released after every attempt, which is what makes
 * a repeatable producer start again from its beginning.
 */
final class AttemptProducer implements AsyncRequestProducer {
    private final AsyncRequestProducer producer;
    private final PreemptionHandle<?> attempt;

    AttemptProducer(AsyncRequestProducer producer, PreemptionHandle<?> attempt) {
        this.producer = producer;
        this.attempt = attempt;
    }

    @Override
    public void sendRequest(RequestChannel channel, HttpContext context) throws HttpException, IOException {
        producer.sendRequest(channel, context);
    }

    @Override
    public boolean isRepeatable() {
        return producer.isRepeatable();
    }

    @Override
    public int available() {
        return producer.available();
    }

    @Override
    public void produce(DataStreamChannel channel) throws IOException {
        producer.produce(channel);
    }

    @Override
    public void failed(Exception cause) {
        if (!attempt.preempted()) {
            producer.failed(cause);
        }
    }

    @Override
    public void releaseResources() {
        producer.releaseResources();
    }
}
