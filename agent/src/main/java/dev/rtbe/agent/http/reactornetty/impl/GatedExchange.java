package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.call.RequestView;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Puts a slot in front of a cold Reactor Netty exchange: each subscription has a call of its own
 * ({@link CallEnd}), which starts once the request body was seen on the connection and holds the
 * request there until the slot is granted ({@link HoldUntilGranted}), and ends at the exchange's
 * end. A refused slot is the application's error; cancelling while queued leaves the queue.
 * A preemptible call's exchange runs as attempts ({@link Attempt}): an attempt cut by a
 * preemption ends unseen by the application (nothing of its response went up), and the next
 * attempt, the kept request on a new connection, starts once the call has a slot again; the
 * application's subscriber sees only the last attempt's signals. Nothing here ever blocks a thread.
 */
final class GatedExchange {
    private GatedExchange() {}

    static <T> Flux<T> flux(PreparedRequest request, Function<Attempt, Publisher<T>> exchange) {
        return Flux.defer(() -> {
            CallEnd end = new CallEnd(request.pending);
            Flux<T> attempts = fluxAttempts(Attempt.first(end), a -> Flux.from(build(exchange, a)), request.view);
            return ends(Flux.firstWithSignal(attempts, end.<T>refusal()), end);
        });
    }

    static <T> Mono<T> mono(PreparedRequest request, Function<Attempt, Mono<T>> exchange) {
        return Mono.defer(() -> {
            CallEnd end = new CallEnd(request.pending);
            Mono<T> attempts = monoAttempts(Attempt.first(end), a -> build(exchange, a), request.view);
            return ends(Mono.firstWithSignal(attempts, end.<T>refusal()), end);
        });
    }

    /** The attempt's exchange, then, if it was cut, the next attempt's once the slot is back. */
    private static <T> Flux<T> fluxAttempts(Attempt attempt, Function<Attempt, Flux<T>> exchange, RequestView view) {
        return exchange.apply(attempt)
                .onErrorResume(e -> attempt.wasCut(), e -> Flux.empty())
                .concatWith(Flux.defer(() -> attempt.wasCut()
                        ? again(attempt, view).flatMapMany(next -> fluxAttempts(next, exchange, view)) : Flux.empty()));
    }

    private static <T> Mono<T> monoAttempts(Attempt attempt, Function<Attempt, Mono<T>> exchange, RequestView view) {
        return exchange.apply(attempt)
                .onErrorResume(e -> attempt.wasCut(), e -> Mono.empty())
                .switchIfEmpty(Mono.defer(() -> attempt.wasCut()
                        ? again(attempt, view).flatMap(next -> monoAttempts(next, exchange, view)) : Mono.empty()));
    }

    /**
     * The next attempt once the call has a slot again (never blocking: the grant completes a
     * future); a refusal is the application's error. Cancelling while it waits leaves the queue.
     */
    private static Mono<Attempt> again(Attempt cut, RequestView view) {
        return Mono.fromFuture(cut::reacquire).onErrorMap(e -> Gate.failure(e, view)).map(granted -> cut.next());
    }

    /** Builds the exchange with the intercepted method itself, which lets it through under the guard. */
    private static <P extends Publisher<?>> P build(Function<Attempt, P> exchange, Attempt attempt) {
        ReentryGuard.enter();
        try {
            return exchange.apply(attempt);
        } catch (RuntimeException | Error e) {
            attempt.end().failed(e);
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
