package dev.rtbe.sample.news;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import java.util.Map;

/**
 * A headline suggester an editor waits on. It does not stream and is not named by any rule, so it
 * says it is interactive itself: every request carries {@code X-Rtbe-Priority: rt} (a plain
 * langchain4j custom header; the agent reads it and strips it before the request leaves the JVM).
 */
public final class Headlines {
    public static final String PRIORITY_HEADER = "X-Rtbe-Priority";

    private final ChatModel model;

    public Headlines(NewsModels models) {
        this.model = models.chatModel(Map.of(PRIORITY_HEADER, "rt"));
    }

    public String suggest(Article article) {
        return model.chat(UserMessage.from("Suggest one headline (max 10 words) for:\n\n" + article.body()))
                .aiMessage().text();
    }
}
