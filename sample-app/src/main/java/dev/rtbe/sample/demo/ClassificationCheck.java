package dev.rtbe.sample.demo;

import dev.rtbe.sample.news.Article;
import dev.rtbe.sample.news.BatchSummarizer;
import dev.rtbe.sample.news.Headlines;
import dev.rtbe.sample.news.InteractiveSummaries;
import dev.rtbe.sample.news.NewsModels;
import java.util.List;

/**
 * One call down each of the news service's three paths, so the agent's per-call log
 * ({@code rtbe.log.calls=true}) shows how each was classified: the interactive stream by the call-stack
 * rule, the batch call by the thread rule, the headline by its {@code X-Rtbe-Priority: rt} header.
 * Argument: the server's base URL.
 */
public final class ClassificationCheck {
    public static void main(String[] args) throws Exception {
        NewsModels models = NewsModels.of(args[0], "llama3.2");
        Article article = new Article("check", "Check", "A short article body for the check.");
        System.out.println("headline: " + new Headlines(models).suggest(article));
        Thread reader = new Thread(() -> System.out.println("stream: "
                + new InteractiveSummaries(models).stream(article, t -> { })), "reader");
        reader.start();
        reader.join();
        try (BatchSummarizer batch = new BatchSummarizer(models, 1)) {
            batch.summarizeAll(List.of(article).iterator(), (a, s, e) -> System.out.println("batch: " + (e == null ? s : e)));
        }
        System.exit(0);
    }

    private ClassificationCheck() {}
}
