package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.PreemptionHandle;
import dev.rtbe.agent.resume.ChatStream;
import dev.rtbe.agent.resume.Resumption;
import dev.rtbe.agent.scheduler.Permit;
import io.netty.channel.Channel;
import java.util.concurrent.CompletableFuture;

/**
 * One attempt of a subscription's exchange. The first sends the request as the application wrote
 * it; once the call may be preempted ({@link CallEnd#kept()}), the attempt is offered until its
 * response reaches the application, and the scheduler's abort closes its connection (so the
 * server frees the slot and the pool drops the connection). A cut attempt is followed, after a
 * new grant, by the next: the kept request on a new connection. Its {@link PreemptionHandle}
 * orders the offer and the response's arrival.
 */
final class Attempt {
    private final CallEnd end;
    private final boolean first;
    /** Made as the attempt is first offered (the call exists by then); its abort closes the connection. */
    private volatile PreemptionHandle<Channel> preemption;
    /** The body this attempt sends in place of the application's; null: the request as written. */
    private byte[] body;
    /** The stream this attempt's answer is read into, when the call goes out as a stream. */
    private ChatStream stream;
    /** Its streamed answer was whole and went to the application, preempted at its very end or not. */
    private volatile boolean delivered;

    private Attempt(CallEnd end, boolean first, byte[] body, ChatStream stream) {
        this.end = end;
        this.first = first;
        this.body = body;
        this.stream = stream;
    }

    static Attempt first(CallEnd end) {
        return new Attempt(end, true, null, null);
    }

    CallEnd end() {
        return end;
    }

    boolean isFirst() {
        return first;
    }

    /** The body this attempt sends in place of the application's, or null. */
    byte[] body() {
        return body;
    }

    /** The stream its answer is read into, or null (the response goes to the application as it comes). */
    ChatStream stream() {
        return stream;
    }

    /**
     * On the event loop, as the granted request goes out on {@code connection}: offers the attempt
     * when its request is kept. A first attempt of a call that goes out as a stream sends the
     * streaming body (returned; null: the request as held).
     */
    byte[] offer(Channel connection) {
        KeptRequest kept = end.kept();
        if (kept == null) {
            return null;
        }
        byte[] replacement = null;
        if (first && kept.resumption() != null) {
            replacement = kept.nextBody();
            body = replacement;
            stream = kept.resumption().startAttempt();
        }
        PreemptionHandle<Channel> p = preemption;
        if (p == null) {
            p = new PreemptionHandle<>(end.call(), Channel::close);
            preemption = p;
        }
        p.started(connection);
        p.offer();
        return replacement;
    }

    /**
     * The response (or the whole streamed answer) is about to reach the application. Returns false
     * when the attempt was preempted first: its connection is being closed, nothing goes up.
     */
    boolean responseArrived() {
        PreemptionHandle<Channel> p = preemption;
        return p == null || p.responseArrived();
    }

    void delivered() {
        delivered = true;
    }

    /** True when the scheduler took this attempt's slot before its response reached the application. */
    boolean wasCut() {
        PreemptionHandle<Channel> p = preemption;
        return p != null && p.aborted() && !delivered && end.call().wasPreempted();
    }

    /**
     * After the cut: keeps the output so far (or forgets it) and asks for a slot again without
     * blocking. The future fails when the call is refused (it is then over); cancelling it leaves the queue.
     */
    CompletableFuture<Permit> reacquire() {
        GatedCall call = end.call();
        Resumption resumption = end.kept().resumption();
        if (resumption != null && resumption.preempted()) {
            call.keptAfterPreemption(resumption.lastKeptNanos()); // its generation time was not thrown away
        }
        return call.reacquireAfterPreemptionAsync(null);
    }

    /** The attempt after a cut one, once granted: the kept request, or its continuation. */
    Attempt next() {
        KeptRequest kept = end.kept();
        Resumption resumption = kept.resumption();
        byte[] bytes = kept.nextBody();
        return new Attempt(end, false, bytes, resumption == null ? null : resumption.startAttempt());
    }
}
