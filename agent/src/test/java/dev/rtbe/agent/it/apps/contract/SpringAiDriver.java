package dev.rtbe.agent.it.apps.contract;

import java.time.Duration;
import java.util.stream.Collectors;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.ollama.OllamaChatModel;
import org.springframework.ai.ollama.api.OllamaApi;
import org.springframework.ai.ollama.api.OllamaChatOptions;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.client.ReactorClientHttpRequestFactory;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.retry.support.RetryTemplate;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Spring AI 1.1's {@code OllamaChatModel} ({@code call()} through RestClient, {@code stream()}
 * through WebClient), either on the JDK {@code HttpClient} or on Reactor Netty. Spring AI sets no
 * per-request header: the application adds the priority header in a RestClient interceptor and a
 * WebClient filter from a thread-local, as it would. Retries are off, as for any call that must
 * fail fast. Runs on Spring Framework 6.2 from its own class loader.
 */
final class SpringAiDriver implements ClientDriver {
    private static final ThreadLocal<String> PRIORITY = new ThreadLocal<>();
    private final boolean reactorNetty;

    SpringAiDriver(boolean reactorNetty) {
        this.reactorNetty = reactorNetty;
    }

    @Override
    public String describe() {
        return "spring-ai " + (reactorNetty ? "reactor-netty " : "jdk ")
                + OllamaChatModel.class.getProtectionDomain().getCodeSource().getLocation().getPath().replaceAll(".*/", "")
                + " " + RestClient.class.getProtectionDomain().getCodeSource().getLocation().getPath().replaceAll(".*/", "");
    }

    private OllamaApi api(Call call) {
        RestClient.Builder rest = RestClient.builder().requestInterceptor((request, body, execution) -> {
            String priority = PRIORITY.get();
            if (priority != null) {
                request.getHeaders().set("X-Rtbe-Priority", priority);
            }
            return execution.execute(request, body);
        });
        WebClient.Builder web = WebClient.builder().filter((request, next) -> {
            String priority = PRIORITY.get();
            return next.exchange(priority == null ? request
                    : ClientRequest.from(request).header("X-Rtbe-Priority", priority).build());
        });
        if (reactorNetty) {
            reactor.netty.http.client.HttpClient netty = reactor.netty.http.client.HttpClient.create().followRedirect(true);
            ReactorClientHttpRequestFactory factory = new ReactorClientHttpRequestFactory(netty);
            if (call.timeoutMs() > 0) {
                factory.setReadTimeout(Duration.ofMillis(call.timeoutMs()));
            }
            rest.requestFactory(factory);
            web.clientConnector(new ReactorClientHttpConnector(netty));
        } else {
            java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder()
                    .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build();
            JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(jdk);
            if (call.timeoutMs() > 0) {
                factory.setReadTimeout(Duration.ofMillis(call.timeoutMs()));
            }
            rest.requestFactory(factory);
            web.clientConnector(new JdkClientHttpConnector(jdk));
        }
        return OllamaApi.builder().baseUrl(call.url()).restClientBuilder(rest).webClientBuilder(web).build();
    }

    @Override
    public String exchange(Call call, Read read, Canceller canceller) throws Exception {
        OllamaChatModel model = OllamaChatModel.builder().ollamaApi(api(call))
                .defaultOptions(OllamaChatOptions.builder().model(call.model()).numPredict(call.tokens()).build())
                .retryTemplate(RetryTemplate.builder().maxAttempts(1).build()).build();
        Prompt prompt = new Prompt(PROMPT);
        PRIORITY.set(call.priority());
        try {
            if (!call.stream()) {
                canceller.set(Thread.currentThread()::interrupt);
                return ClientDriver.finished(text(model.call(prompt)));
            }
            Flux<String> parts = model.stream(prompt).map(SpringAiDriver::text);
            Mono<String> answer;
            if (read == Read.ALL) {
                answer = parts.collect(Collectors.joining()).map(ClientDriver::finished);
            } else if (read == Read.FIRST_LINE_THEN_CLOSE) {
                answer = parts.next();
            } else {
                answer = parts.doOnNext(part -> { throw new ClientDriver.ApplicationBug(); }).then(Mono.just("none"));
            }
            return ReactorNettyDriver.await(answer, canceller);
        } finally {
            PRIORITY.remove();
        }
    }

    private static String text(ChatResponse response) {
        return response.getResult() == null || response.getResult().getOutput().getText() == null ? ""
                : response.getResult().getOutput().getText();
    }
}
