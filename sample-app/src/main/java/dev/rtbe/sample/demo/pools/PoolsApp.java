package dev.rtbe.sample.demo.pools;

import dev.rtbe.sample.demo.Args;
import dev.rtbe.sample.news.Article;
import dev.rtbe.sample.news.BatchSummarizer;
import dev.rtbe.sample.news.DocumentIndex;
import dev.rtbe.sample.news.InteractiveSummaries;
import dev.rtbe.sample.news.NewsModels;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The application side of one pools-scenario run, in its own JVM: the news service on one server with
 * several models. Per chat model, {@code be-workers} closed-loop batch summarisers ({@code batch-summarizer-N})
 * and {@code rt-users} readers who each stream a summary, read it and open the next ({@code rt-user-N}); with
 * {@code --embed-model}, an indexer that embeds one document after another ({@code indexer}). After the load
 * it measures the idle embedding latency (median of a few calls). With the agent it samples the agent's
 * pools over JMX. Writes one line per call, one per change of a pool's N.
 *
 * <p>Arguments: {@code --base-url URL --scale S --run-length SECONDS --out FILE --chat-models a,b
 * [--embed-model NAME] [--be-workers 4] [--rt-users 1] [--workload mixed|learn] [--warm-up] [--warm-up-model NAME]
 * [--min-calls 0]}. Without {@code --warm-up} the first measured calls are the JVM's first; with
 * {@code --warm-up-model} the JVM is warmed up by calls to another model, so the measured models' pools
 * still start from scratch (a learning run) but their first calls are not slowed by class loading and JIT.
 * With {@code --min-calls}, the load goes on past the run length until every chat model has finished that
 * many calls ({@link RunEnd}).
 */
public final class PoolsApp {
    /** Per-call headers for the simulator (X-Sim-*) and the records (X-Demo-Id), set on the calling thread. */
    private static final ThreadLocal<Map<String, String>> CALL_HEADERS = ThreadLocal.withInitial(Map::of);

    public static void main(String[] args) throws Exception {
        Map<String, String> a = Args.parse(args);
        String baseUrl = Args.require(a, "base-url");
        double scale = Double.parseDouble(a.getOrDefault("scale", "20"));
        double runLengthS = Double.parseDouble(a.getOrDefault("run-length", "300"));
        Path out = Path.of(Args.require(a, "out"));
        List<String> chatModels = Arrays.asList(Args.require(a, "chat-models").split(","));
        String embedModel = a.get("embed-model");
        int beWorkers = Integer.parseInt(a.getOrDefault("be-workers", "4"));
        int rtUsers = Integer.parseInt(a.getOrDefault("rt-users", "1"));
        Workload w = a.getOrDefault("workload", "mixed").equals("learn") ? Workload.LEARN : Workload.MIXED;

        List<ScenarioCall> calls = Collections.synchronizedList(new ArrayList<>());
        List<BatchSummarizer> batches = new ArrayList<>();
        List<InteractiveSummaries> readers = new ArrayList<>();
        for (String m : chatModels) {
            NewsModels models = new NewsModels(baseUrl, m, Duration.ofMinutes(10), null, CALL_HEADERS::get);
            batches.add(new BatchSummarizer(models, beWorkers));
            readers.add(new InteractiveSummaries(models));
        }
        DocumentIndex index = embedModel == null ? null
                : new DocumentIndex(new NewsModels(baseUrl, chatModels.get(0), Duration.ofMinutes(10), null,
                CALL_HEADERS::get), embedModel);

        // Started first: its own slow first reads are over, and it sees each pool from the pool's first call.
        PoolMonitor monitor = new PoolMonitor(2_000_000).start();
        if (a.containsKey("warm-up")) {
            warmUp(batches, readers, index);
        }
        String warmUpModel = a.get("warm-up-model");
        if (warmUpModel != null) { // the JVM warm, the measured models' pools untouched
            NewsModels models = new NewsModels(baseUrl, warmUpModel, Duration.ofMinutes(10), null, CALL_HEADERS::get);
            try (BatchSummarizer batch = new BatchSummarizer(models, 1)) {
                warmUp(List.of(batch), List.of(new InteractiveSummaries(models)), null);
            }
        }
        long t0 = System.nanoTime();
        RunEnd end = new RunEnd(t0, (long) (runLengthS / scale * 1e9), chatModels,
                Integer.parseInt(a.getOrDefault("min-calls", "0")));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < chatModels.size(); i++) {
            String m = chatModels.get(i);
            BatchSummarizer batch = batches.get(i);
            threads.add(start("batch-" + m, () -> runBatch(batch, m, w, t0, end, calls)));
            for (int u = 0; u < rtUsers; u++) {
                InteractiveSummaries reader = readers.get(i);
                threads.add(start("rt-user-" + m + "-" + u, () -> runReader(reader, m, w, scale, t0, end, calls)));
            }
        }
        if (index != null) {
            threads.add(start("indexer", () -> runIndexer(index, embedModel, w, scale, t0, end, calls)));
        }
        for (Thread t : threads) {
            t.join();
        }
        monitor.close();
        long idleEmbedNs = index == null ? -1 : idleEmbedding(index, w); // the server is idle again, the JVM warm
        for (BatchSummarizer b : batches) {
            b.close();
        }
        try (PrintWriter pw = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
            pw.println("T0\t" + t0 + "\t" + idleEmbedNs);
            synchronized (calls) {
                for (ScenarioCall c : calls) {
                    pw.println(c.toLine());
                }
            }
            for (NSample s : monitor.samples(t0)) {
                pw.println(s.toLine());
            }
        }
        System.err.printf("pools app: %d calls in %.1f s%n", calls.size(), (System.nanoTime() - t0) / 1e9);
        System.exit(0); // the JDK HttpClient's selector threads are not daemons on every JDK
    }

    private static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.start();
        return t;
    }

    /** Closed-loop batch summaries of one model until the run ends. */
    private static void runBatch(BatchSummarizer batch, String model, Workload w, long t0, RunEnd end,
                                 List<ScenarioCall> calls) {
        AtomicInteger seq = new AtomicInteger();
        Map<String, Long> issued = new java.util.concurrent.ConcurrentHashMap<>();
        Iterator<Article> jobs = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return end.goesOn();
            }

            @Override
            public Article next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                String id = "BE-" + model + "-" + seq.incrementAndGet();
                CALL_HEADERS.set(sim(id, w.bePrefillS(), w.beGenS()));
                issued.put(id, System.nanoTime() - t0);
                return article(id);
            }
        };
        try {
            batch.summarizeAll(jobs, (article, summary, error) -> {
                calls.add(new ScenarioCall("BE", model, article.id(), issued.get(article.id()), -1,
                        System.nanoTime() - t0, error == null, error == null ? null : error.toString()));
                end.finished(model);
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One reader: stream a summary, read it for a while, open the next, until the run ends. */
    private static void runReader(InteractiveSummaries reader, String model, Workload w, double scale, long t0,
                                  RunEnd end, List<ScenarioCall> calls) {
        String name = Thread.currentThread().getName();
        for (int k = 1; end.goesOn(); k++) {
            String id = "RT-" + name.substring("rt-user-".length()) + "-" + k;
            CALL_HEADERS.set(sim(id, w.rtPrefillS(), w.rtGenS()));
            long issue = System.nanoTime() - t0;
            AtomicLong first = new AtomicLong(-1);
            String error = null;
            try {
                reader.stream(article(id), token -> first.compareAndSet(-1, System.nanoTime() - t0));
            } catch (RuntimeException e) {
                error = e.toString();
            }
            calls.add(new ScenarioCall("RT", model, id, issue, first.get(), System.nanoTime() - t0, error == null, error));
            end.finished(model);
            LockSupport.parkNanos((long) (w.rtThinkS() / scale * 1e9));
        }
    }

    /** The indexer: embed one document, pause, the next, until the run ends. */
    private static void runIndexer(DocumentIndex index, String model, Workload w, double scale, long t0, RunEnd end,
                                   List<ScenarioCall> calls) {
        for (int k = 1; end.goesOn(); k++) {
            String id = "EMB-" + k;
            CALL_HEADERS.set(sim(id, w.embedS(), 0));
            long issue = System.nanoTime() - t0;
            String error = null;
            try {
                index.add(article(id));
            } catch (RuntimeException e) {
                error = e.toString();
            }
            calls.add(new ScenarioCall("EMB", model, id, issue, -1, System.nanoTime() - t0, error == null, error));
            LockSupport.parkNanos((long) (w.embedThinkS() / scale * 1e9));
        }
    }

    /**
     * The embedding latency on the idle server as this client, this JVM and this time scale give it: the
     * median of 9 calls, one at a time, after the run (the JVM is warm). Real nanoseconds.
     */
    private static long idleEmbedding(DocumentIndex index, Workload w) {
        long[] t = new long[9];
        for (int i = 0; i < t.length; i++) {
            CALL_HEADERS.set(sim("calibration", w.embedS(), 0));
            long start = System.nanoTime();
            index.add(article("idle-" + i));
            t[i] = System.nanoTime() - start;
        }
        CALL_HEADERS.set(Map.of());
        Arrays.sort(t);
        return t[t.length / 2];
    }

    /** A few untimed calls of every kind, so class loading and JIT warm-up do not land on the measured ones. */
    private static void warmUp(List<BatchSummarizer> batches, List<InteractiveSummaries> readers, DocumentIndex index)
            throws InterruptedException {
        Map<String, String> h = sim("warmup", 0, 0);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < batches.size(); i++) {
                InteractiveSummaries reader = readers.get(i);
                Thread t = new Thread(() -> {
                    CALL_HEADERS.set(h);
                    reader.stream(article("warmup"), token -> { });
                }, "rt-user-warmup");
                t.start();
                t.join();
                Iterator<Article> one = List.of(article("warmup")).iterator();
                batches.get(i).summarizeAll(new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return one.hasNext();
                    }

                    @Override
                    public Article next() {
                        CALL_HEADERS.set(h);
                        return one.next();
                    }
                }, (art, summary, error) -> { });
            }
            for (int k = 0; index != null && k < 3; k++) {
                CALL_HEADERS.set(h);
                index.add(article("warmup"));
            }
        }
        CALL_HEADERS.set(Map.of());
    }

    private static Map<String, String> sim(String id, double prefillS, double genS) {
        return Map.of("X-Sim-Prefill-Ms", Long.toString(Math.round(prefillS * 1000)),
                "X-Sim-Gen-Ms", Long.toString(Math.round(genS * 1000)),
                "X-Sim-Output-Tokens", "20",
                "X-Demo-Id", id);
    }

    private static Article article(String id) {
        return new Article(id, "Story " + id, "The council met on " + id + " and approved the new transit plan; "
                + "residents and shop owners gave their views in a long public session.");
    }

    private PoolsApp() {}
}
