package dev.rtbe.agent.it.apps.contract;

import java.time.Duration;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/** Spring's {@code WebClient} on Reactor Netty: {@code bodyToMono} or {@code bodyToFlux} of lines. */
final class WebClientDriver implements ClientDriver {
    private final WebClient client = WebClient.builder()
            .clientConnector(new ReactorClientHttpConnector(HttpClient.create().followRedirect(true))).build();

    @Override
    public String describe() {
        return "webclient " + WebClient.class.getProtectionDomain().getCodeSource().getLocation().getPath()
                .replaceAll(".*/", "");
    }

    @Override
    public String exchange(Call call, Read read, Canceller canceller) throws Exception {
        WebClient.RequestBodySpec spec = client.post().uri(call.chatUrl()).contentType(MediaType.APPLICATION_JSON);
        if (call.priority() != null) {
            spec = spec.header("X-Rtbe-Priority", call.priority());
        }
        WebClient.ResponseSpec response = spec.bodyValue(call.json()).retrieve();
        Mono<String> answer;
        if (read == Read.ALL) {
            answer = response.bodyToMono(String.class);
        } else {
            Flux<String> lines = response.bodyToFlux(String.class);
            answer = read == Read.FIRST_LINE_THEN_CLOSE ? lines.next()
                    : lines.doOnNext(line -> { throw new ClientDriver.ApplicationBug(); }).last();
        }
        if (call.timeoutMs() > 0) {
            answer = answer.timeout(Duration.ofMillis(call.timeoutMs()));
        }
        return ReactorNettyDriver.await(answer, canceller);
    }
}
