package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.scheduler.Permit;
import io.netty.handler.codec.http.HttpRequest;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

/**
 * One subscription's call: started once its request body was seen on the wire ({@link #decide}),
 * and ended at the first end of the exchange. Usually that is the end of the publisher the
 * application got; but a {@code responseConnection} publisher hands the live connection over and
 * may end (Spring's WebClient takes its first item and cancels) long before the body is read:
 * from that hand-over on, the connection's own termination ends the call. An exchange that ends
 * before its body was seen (refused connection, cancelled while the body was written) still ends
 * in one call, decided without the body.
 */
final class CallEnd {
    private final Gate.Pending pending;
    private volatile GatedCall call;
    private volatile CompletableFuture<Permit> permit;
    private volatile boolean bodyHandedOver;
    /** The request as first written, while the call may be preempted; else null. */
    private volatile KeptRequest kept;
    /** Completed with the scheduler's refusal (queue full, waited too long): the application's error. */
    private final CompletableFuture<Throwable> refused = new CompletableFuture<>();

    CallEnd(Gate.Pending pending) {
        this.pending = pending;
    }

    /** The call, or null while its body is not seen yet. */
    GatedCall call() {
        return call;
    }

    /** The slot asked for, or null while the body is not seen yet. */
    CompletableFuture<Permit> permit() {
        return permit;
    }

    /**
     * Starts the call with the body seen ({@code body} null: not read) and the classification
     * header as written ({@code header} null: none), and asks for its slot without blocking. Only the first decision counts (redirects and retries reuse it); after
     * the end, the answer is a cancelled slot.
     */
    synchronized CompletableFuture<Permit> decide(byte[] body, String header) {
        if (permit == null) {
            if (call != null) { // ended before its body was seen
                CompletableFuture<Permit> none = new CompletableFuture<>();
                none.cancel(false);
                permit = none;
            } else {
                GatedCall started = pending.start(body, header);
                call = started;
                permit = started.acquireAsync(null);
                permit.whenComplete((granted, error) -> {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    if (cause != null && !(cause instanceof CancellationException)) {
                        refused.complete(cause);
                    }
                });
            }
        }
        return permit;
    }

    /**
     * Right after {@link #decide}, with the request's head and whole body as first written
     * ({@code body} null: not read): keeps them when the call may be preempted and sent again.
     */
    void keep(HttpRequest head, byte[] body) {
        GatedCall c = call;
        if (kept == null && c != null && permit != null) {
            kept = KeptRequest.of(c, pending.runtime().settings(), head, body);
        }
    }

    /** The request kept for sending again, or null: the call is not preemptible. */
    KeptRequest kept() {
        return kept;
    }

    /** Fails with the scheduler's refusal of a slot; never signals otherwise. */
    <T> Mono<T> refusal() {
        return Mono.fromFuture(refused, true).flatMap(Mono::error);
    }

    /** True once the slot is held by a call that has not ended: its request may go out. */
    boolean mayGo() {
        CompletableFuture<Permit> p = permit;
        GatedCall c = call;
        return p != null && p.isDone() && !p.isCompletedExceptionally() && c != null && !c.isFinished();
    }

    /** The body now lives on {@code connection}: end the call when the exchange on it terminates. */
    void handOver(Connection connection) {
        bodyHandedOver = true;
        connection.onTerminate().subscribe(null, e -> end(Outcome.FAILED, e), () -> end(Outcome.COMPLETED, null));
    }

    void completed() {
        if (!bodyHandedOver) {
            end(Outcome.COMPLETED, null);
        }
    }

    void failed(Throwable error) {
        end(Outcome.FAILED, error);
    }

    void cancelled() {
        if (!bodyHandedOver) {
            end(Outcome.CANCELLED, null);
        }
    }

    /** Ends the call (first end counts), then leaves the queue if it still waits. */
    private void end(Outcome how, Throwable error) {
        GatedCall ending;
        synchronized (this) {
            if (call == null) {
                call = pending.start(null);
            }
            ending = call;
        }
        ending.finish(how, error); // first: a slot granted meanwhile goes straight back
        CompletableFuture<Permit> p = permit;
        if (p != null) {
            p.cancel(false); // no-op once decided
        }
    }
}
