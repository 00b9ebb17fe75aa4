package dev.rtbe.sample.news;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The nightly batch: summarise many articles with a pool of worker threads named
 * {@code batch-summarizer-N}, each taking the next article as soon as its previous one is done
 * (so the pool keeps {@code workers} calls outstanding). Non-streaming calls; nobody waits on them.
 */
public final class BatchSummarizer implements AutoCloseable {

    /** What happened to one article. */
    public interface Listener {
        void done(Article article, String summary, Throwable error);
    }

    private final ChatModel model;
    private final int workers;
    private final ExecutorService pool;

    public BatchSummarizer(NewsModels models, int workers) {
        this.model = models.chatModel();
        this.workers = workers;
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "batch-summarizer-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newFixedThreadPool(workers, tf);
    }

    /** Summarises one article on the calling thread. */
    public String summarize(Article article) {
        return model.chat(
                SystemMessage.from("You write neutral, factual news summaries."),
                UserMessage.from(article.prompt())).aiMessage().text();
    }

    /**
     * Fans out over {@code articles} (read under a lock, one at a time, by whichever worker is free)
     * and blocks until the iterator is exhausted and every call has ended.
     */
    public void summarizeAll(Iterator<Article> articles, Listener listener) throws InterruptedException {
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            running.add(pool.submit(() -> {
                while (true) {
                    Article a;
                    synchronized (articles) {
                        if (!articles.hasNext()) {
                            return;
                        }
                        a = articles.next();
                    }
                    try {
                        listener.done(a, summarize(a), null);
                    } catch (RuntimeException e) {
                        listener.done(a, null, e);
                    }
                }
            }));
        }
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
