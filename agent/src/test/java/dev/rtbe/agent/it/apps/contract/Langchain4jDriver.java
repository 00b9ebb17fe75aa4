package dev.rtbe.agent.it.apps.contract;

import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.http.client.jdk.JdkHttpClientBuilder;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * langchain4j-ollama (on its default JDK {@code HttpClient}): {@code OllamaChatModel.chat} for a
 * whole reply, {@code OllamaStreamingChatModel.chat} with a handler for a stream. The handler
 * stops a stream through its {@code StreamingHandle}; the priority header goes in as a custom header.
 */
final class Langchain4jDriver implements ClientDriver {
    @Override
    public String describe() {
        return "langchain4j " + OllamaChatModel.class.getProtectionDomain().getCodeSource().getLocation().getPath()
                .replaceAll(".*/", "");
    }

    @Override
    public String exchange(Call call, Read read, Canceller canceller) throws Exception {
        Map<String, String> headers = call.priority() == null ? Map.of() : Map.of("X-Rtbe-Priority", call.priority());
        Duration timeout = call.timeoutMs() > 0 ? Duration.ofMillis(call.timeoutMs()) : Duration.ofSeconds(60);
        JdkHttpClientBuilder http = JdkHttpClient.builder()
                .httpClientBuilder(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL));
        if (!call.stream()) {
            OllamaChatModel model = OllamaChatModel.builder().httpClientBuilder(http).baseUrl(call.url())
                    .modelName(call.model()).numPredict(call.tokens()).customHeaders(headers).timeout(timeout)
                    .maxRetries(0).build();
            canceller.set(Thread.currentThread()::interrupt);
            return ClientDriver.finished(model.chat(PROMPT));
        }
        OllamaStreamingChatModel model = OllamaStreamingChatModel.builder().httpClientBuilder(http).baseUrl(call.url())
                .modelName(call.model()).numPredict(call.tokens()).customHeaders(headers).timeout(timeout).build();
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> whole = new CompletableFuture<>();
        StringBuilder text = new StringBuilder();
        model.chat(PROMPT, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                text.append(partial.text());
                if (first.complete(partial.text())) {
                    if (read == Read.FIRST_LINE_THEN_CLOSE) {
                        context.streamingHandle().cancel();
                    } else if (read == Read.THROW_WHILE_READING) {
                        throw new ClientDriver.ApplicationBug();
                    }
                }
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                whole.complete(ClientDriver.finished(text.toString()));
            }

            @Override
            public void onError(Throwable error) {
                first.completeExceptionally(error);
                whole.completeExceptionally(error);
            }
        });
        canceller.set(() -> whole.cancel(true));
        try {
            return read == Read.FIRST_LINE_THEN_CLOSE ? first.get() : whole.get();
        } catch (Exception e) {
            throw Bodies.unwrap(e);
        }
    }
}
