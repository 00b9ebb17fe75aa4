package dev.rtbe.agent.it.apps.contract;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/**
 * Reactor Netty's {@code HttpClient}: the body aggregated (subscribed, the caller waits), or as a
 * {@code Flux} of chunks the application takes the first of, or whose handler throws.
 */
final class ReactorNettyDriver implements ClientDriver {
    private final HttpClient client = HttpClient.create().followRedirect(true);

    @Override
    public String describe() {
        return "reactor-netty " + HttpClient.class.getProtectionDomain().getCodeSource().getLocation().getPath()
                .replaceAll(".*/", "");
    }

    @Override
    public String exchange(Call call, Read read, Canceller canceller) throws Exception {
        HttpClient.ResponseReceiver<?> receiver = client.headers(h -> {
            h.set("Content-Type", "application/json");
            if (call.priority() != null) {
                h.set("X-Rtbe-Priority", call.priority());
            }
        }).post().uri(call.chatUrl()).send(ByteBufFlux.fromString(Mono.just(call.json())));
        Mono<String> answer;
        if (read == Read.ALL) {
            answer = receiver.responseContent().aggregate().asString();
        } else {
            Flux<String> chunks = receiver.responseContent().asString();
            answer = read == Read.FIRST_LINE_THEN_CLOSE ? chunks.next()
                    : chunks.doOnNext(chunk -> { throw new ClientDriver.ApplicationBug(); }).last();
        }
        if (call.timeoutMs() > 0) {
            answer = answer.timeout(Duration.ofMillis(call.timeoutMs()));
        }
        return await(answer, canceller);
    }

    /** Subscribes from the calling thread (where the agent classifies) and waits for the answer. */
    static String await(Mono<String> answer, Canceller canceller) throws Exception {
        CompletableFuture<String> result = new CompletableFuture<>();
        Disposable subscription = answer.subscribe(result::complete, result::completeExceptionally,
                () -> result.complete(null));
        canceller.set(() -> {
            subscription.dispose();
            result.completeExceptionally(new java.util.concurrent.CancellationException("disposed"));
        });
        try {
            return result.get();
        } catch (Exception e) {
            throw Bodies.unwrap(e);
        }
    }
}
