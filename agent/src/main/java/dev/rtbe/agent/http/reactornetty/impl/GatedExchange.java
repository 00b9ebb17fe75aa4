package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.ReentryGuard;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Puts a slot in front of a cold Reactor Netty exchange: each subscription has a call of its own
 * ({@link CallEnd}), which starts once the request body was seen on the connection and holds the
 * request there until the slot is granted ({@link HoldUntilGranted}), and ends at the exchange's
 * end. A refused slot is the application's error; cancelling while queued leaves the queue.
 * Nothing here ever blocks a thread.
 */
final class GatedExchange {
    private GatedExchange() {}

    static <T> Flux<T> flux(PreparedRequest request, Function<CallEnd, Publisher<T>> exchange) {
        return Flux.defer(() -> {
            CallEnd end = new CallEnd(request.pending);
            Publisher<T> original = build(exchange, end);
            return ends(Flux.firstWithSignal(Flux.from(original), end.<T>refusal()), end);
        });
    }

    static <T> Mono<T> mono(PreparedRequest request, Function<CallEnd, Mono<T>> exchange) {
        return Mono.defer(() -> {
            CallEnd end = new CallEnd(request.pending);
            Mono<T> original = build(exchange, end);
            return ends(Mono.firstWithSignal(original, end.<T>refusal()), end);
        });
    }

    /** Builds the exchange with the intercepted method itself, which lets it through under the guard. */
    private static <P extends Publisher<?>> P build(Function<CallEnd, P> exchange, CallEnd end) {
        ReentryGuard.enter();
        try {
            return exchange.apply(end);
        } catch (RuntimeException | Error e) {
            end.failed(e);
            throw e;
        } finally {
            ReentryGuard.exit();
        }
    }

    /**
     * Ends the call on the terminal signal (complete, error, cancel) before that signal travels
     * on, so an application that sees the end (a {@code block()} returning) already sees the slot
     * free: a {@code doFinally} alone would run only after the application's own handlers. The
     * {@code doFinally} stays as the catch-all; {@link dev.rtbe.agent.call.GatedCall#finish}
     * counts only the first end.
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
