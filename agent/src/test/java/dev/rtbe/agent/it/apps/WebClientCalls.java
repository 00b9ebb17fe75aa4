package dev.rtbe.agent.it.apps;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.web.reactive.function.client.WebClient;

/** Spring's WebClient on Reactor Netty (what Spring AI uses): streamed and aggregated, blocking and async. */
final class WebClientCalls {
    private WebClientCalls() {}

    static void run(String url) throws Exception {
        WebClient client = WebClient.builder().baseUrl(url).build();
        CountDownLatch asyncDone = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            call(client, true, "async-" + i).bodyToFlux(String.class).collectList()
                    .subscribe(s -> { }, e -> ReactorNettyApp.report("ERROR async " + e), asyncDone::countDown);
        }
        List<Thread> threads = List.of(
                AppSupport.start("stream", () -> ReactorNettyApp.report("WEBCLIENT-STREAM "
                        + call(client, true, "stream").bodyToFlux(String.class).collectList()
                        .block(Duration.ofSeconds(30)).size())),
                AppSupport.start("single", () -> ReactorNettyApp.report("WEBCLIENT-SINGLE "
                        + call(client, false, "single").bodyToMono(String.class).block(Duration.ofSeconds(30))
                        .contains("\"done\":true"))));
        ReactorNettyApp.join(threads);
        asyncDone.await(30, TimeUnit.SECONDS);
        // Abandoning a stream after its first line gives the slot back.
        String first = call(client, true, "abandoned").bodyToFlux(String.class).blockFirst(Duration.ofSeconds(30));
        AppSupport.awaitInFlight(0);
        ReactorNettyApp.report("WEBCLIENT-FIRST " + (first != null));
    }

    private static WebClient.ResponseSpec call(WebClient client, boolean stream, String id) {
        return client.post().uri("/api/generate").header("X-Rtbe-Priority", stream ? "rt" : "be")
                .header("X-Sim-Prefill-Ms", "10").header("X-Sim-Gen-Ms", "200").header("X-Sim-Output-Tokens", "10")
                .header("X-Test-Id", id).bodyValue(AppSupport.generateBody(stream)).retrieve();
    }
}
