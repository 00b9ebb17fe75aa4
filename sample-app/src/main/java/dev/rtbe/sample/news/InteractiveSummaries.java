package dev.rtbe.sample.news;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The reader-facing path: a user opens an article and watches its summary appear token by token.
 * Someone is waiting on the first token, so this class is what {@code rtbe.classify.rt-stack} names.
 */
public final class InteractiveSummaries {
    private final StreamingChatModel model;

    public InteractiveSummaries(NewsModels models) {
        this.model = models.streamingModel();
    }

    /** Streams the summary of {@code article} to {@code onToken}; blocks until it ends and returns it. */
    public String stream(Article article, Consumer<String> onToken) {
        CompletableFuture<String> done = new CompletableFuture<>();
        model.chat(java.util.List.of(
                        SystemMessage.from("You write short, friendly summaries for readers."),
                        UserMessage.from(article.prompt())),
                new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String partial) {
                        onToken.accept(partial);
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        done.complete(response.aiMessage().text());
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
        return done.join();
    }
}
