package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.scheduler.Permit;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Puts a slot in front of a cold Reactor Netty exchange: each subscription starts its own
 * {@link GatedCall}, asks for a slot without blocking, subscribes to the exchange (which opens
 * the connection) only once the slot is granted, and ends the call at the exchange's end.
 * Cancelling while queued leaves the queue. Nothing here ever blocks a thread.
 */
final class GatedExchange {
    /**
     * A grant that was not immediate arrives on the thread that released a slot (often an event
     * loop finishing another response): the exchange is started from the gate's dispatch instead.
     */
    private static final Scheduler DISPATCH = Schedulers.fromExecutor(Gate.dispatch());

    private GatedExchange() {}

    static <T> Flux<T> flux(PreparedRequest request, Function<CallEnd, Publisher<T>> exchange) {
        return Flux.defer(() -> {
            CallEnd end = new CallEnd(request.newCall());
            Publisher<T> original = build(exchange, end);
            return ends(granted(end.call).thenMany(Flux.from(original).doOnSubscribe(s -> end.call.onSent())), end);
        });
    }

    static <T> Mono<T> mono(PreparedRequest request, Function<CallEnd, Mono<T>> exchange) {
        return Mono.defer(() -> {
            CallEnd end = new CallEnd(request.newCall());
            Mono<T> original = build(exchange, end);
            return ends(granted(end.call).then(original.doOnSubscribe(s -> end.call.onSent())), end);
        });
    }

    /** Builds the exchange with the intercepted method itself, which lets it through under the guard. */
    private static <P extends Publisher<?>> P build(Function<CallEnd, P> exchange, CallEnd end) {
        ReentryGuard.enter();
        try {
            return exchange.apply(end);
        } catch (RuntimeException | Error e) {
            end.call.finish(Outcome.FAILED, e);
            throw e;
        } finally {
            ReentryGuard.exit();
        }
    }

    /**
     * The slot, as a Mono. A rejection (queue full, waited too long) is the scheduler's
     * IOException, as the application's error; cancelling the Mono cancels the wait.
     */
    private static Mono<Permit> granted(GatedCall call) {
        CompletableFuture<Permit> permit = call.acquireAsync(null);
        Mono<Permit> slot = Mono.fromFuture(permit, false);
        return permit.isDone() ? slot : slot.publishOn(DISPATCH);
    }

    /**
     * Ends the call on the terminal signal (complete, error, cancel) before that signal travels
     * on, so an application that sees the end (a {@code block()} returning) already sees the slot
     * free: a {@code doFinally} alone would run only after the application's own handlers. The
     * {@code doFinally} stays as the catch-all; {@link GatedCall#finish} counts only the first end.
     */
    private static <T> Flux<T> ends(Flux<T> exchange, CallEnd end) {
        return exchange.doOnComplete(end::completed).doOnError(end::failed).doOnCancel(end::cancelled)
                .doFinally(signal -> end.cancelled());
    }

    private static <T> Mono<T> ends(Mono<T> exchange, CallEnd end) {
        return exchange.doOnSuccess(value -> end.completed()).doOnError(end::failed).doOnCancel(end::cancelled)
                .doFinally(signal -> end.cancelled());
    }
}
