package dev.rtbe.sample.demo;

import dev.rtbe.sample.news.Article;
import dev.rtbe.sample.news.BatchSummarizer;
import dev.rtbe.sample.news.InteractiveSummaries;
import dev.rtbe.sample.news.NewsModels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The application side of one demo run, in its own JVM (with or without the agent): replays the trace
 * through the news service with the real langchain4j Ollama client. BE: {@code workers} closed-loop
 * batch workers ({@code batch-summarizer-N}), row BE,k for the k-th job issued. RT: open-loop streaming
 * calls at their arrival times, each on its own thread {@code rt-user-N}. Writes one line per call.
 *
 * <p>Arguments: {@code --base-url URL --scale S --run-length SECONDS --out FILE [--trace adr|burst|CSV]
 * [--be-workers 8] [--no-batch] [--model NAME] [--real] [--part k/K --sync]}. With {@code --no-batch} only the
 * RT rows are replayed (the floor: what RT alone gets). With {@code --real} no simulator headers
 * are sent, output is capped with num_predict and only the arrival times are scaled. With {@code --part k/K}
 * this JVM replays every K-th RT and BE row from the k-th (one of K JVMs sharing the trace). With
 * {@code --sync} the demo starts the JVMs of a fleet run together: after the warm-up this JVM writes
 * {@code FILE.ready} and reads the replay's start (a {@link System#nanoTime()}, the same clock in every process
 * of the machine) from standard input; after the replay it writes {@code FILE.replayed} and reads
 * {@code idle} (measure the idle-server TTFT: the other JVMs are done) or {@code skip}.
 */
public final class ReplayApp {
    /** Per-call headers for the simulator (X-Sim-*) and the timeline label (X-Demo-Id). */
    static final ThreadLocal<Map<String, String>> CALL_HEADERS = ThreadLocal.withInitial(Map::of);

    public static void main(String[] args) throws Exception {
        Map<String, String> a = Args.parse(args);
        String baseUrl = Args.require(a, "base-url");
        double scale = Double.parseDouble(a.getOrDefault("scale", "100"));
        double runLengthS = Double.parseDouble(a.getOrDefault("run-length", "3000"));
        Path out = Path.of(Args.require(a, "out"));
        int workers = Integer.parseInt(a.getOrDefault("be-workers", "8"));
        boolean real = a.containsKey("real");
        Trace whole = Trace.load(a.get("trace"));
        String[] part = a.getOrDefault("part", "0/1").split("/");
        Trace share = whole.part(Integer.parseInt(part[0]), Integer.parseInt(part[1]));
        Trace trace = a.containsKey("no-batch") ? share.withoutBatch() : share;
        boolean sync = a.containsKey("sync");
        BufferedReader demo = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

        NewsModels models = new NewsModels(baseUrl, a.getOrDefault("model", "llama3.2"),
                Duration.ofMinutes(30), real ? Integer.valueOf(a.getOrDefault("num-predict", "128")) : null,
                CALL_HEADERS::get);
        InteractiveSummaries interactive = new InteractiveSummaries(models);
        List<CallRecord> records = Collections.synchronizedList(new ArrayList<>());

        try (BatchSummarizer batch = new BatchSummarizer(models, workers)) {
            warmUp(batch, interactive, real);

            // How late a 1 ms sleep wakes up: on an overloaded machine the replay's clock is not the trace's.
            java.util.concurrent.atomic.AtomicLong maxStall = new java.util.concurrent.atomic.AtomicLong();
            Thread stallMonitor = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    long before = System.nanoTime();
                    LockSupport.parkNanos(1_000_000);
                    maxStall.accumulateAndGet(System.nanoTime() - before - 1_000_000, Math::max);
                }
            }, "stall-monitor");
            stallMonitor.setDaemon(true);
            stallMonitor.start();
            long t0 = sync ? startSignal(out, demo) : System.nanoTime();
            long endNs = (long) (runLengthS / scale * 1e9);
            Thread rtDispatcher = new Thread(() -> replayRt(trace, interactive, real, scale, t0, endNs, records),
                    "rt-dispatcher");
            rtDispatcher.start();

            Map<String, Long> issued = new ConcurrentHashMap<>();
            Map<String, Trace.Row> issuedRows = new ConcurrentHashMap<>();
            Iterator<Article> jobs = new Iterator<>() {
                int k;

                @Override
                public boolean hasNext() {
                    return k < trace.be().size() && System.nanoTime() - t0 < endNs;
                }

                @Override
                public Article next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    Trace.Row row = trace.be().get(k++);
                    CALL_HEADERS.set(headers(row, real));
                    Article article = article(row);
                    issuedRows.put(article.id(), row);
                    issued.put(article.id(), System.nanoTime() - t0);
                    return article;
                }
            };
            batch.summarizeAll(jobs, (article, summary, error) -> {
                long end = System.nanoTime() - t0;
                Trace.Row row = issuedRows.get(article.id());
                records.add(new CallRecord("BE", row.seq(), issued.get(article.id()), -1, end, error == null,
                        real ? Double.NaN : row.slotS(), row.prefillS(), Thread.currentThread().getName(),
                        error == null ? null : error.toString()));
            });
            rtDispatcher.join();
            // The server is idle again (in a fleet run: once the demo says the other JVMs are done), the JVM warm.
            long idleTtftNs = !sync || replayedSignal(out, demo) ? idleTtft(interactive, trace, real) : -1;

            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
                w.println("T0\t" + t0 + "\t" + maxStall.get() + "\t" + idleTtftNs);
                List<CallRecord> copy;
                synchronized (records) {
                    copy = new ArrayList<>(records);
                }
                for (CallRecord r : copy) {
                    w.println(r.toLine());
                }
            }
            System.err.printf("replay: %d calls recorded in %.1f s%n", records.size(), (System.nanoTime() - t0) / 1e9);
        }
        System.exit(0); // the JDK HttpClient's selector threads are not daemons on every JDK
    }

    /** Tells the demo this JVM is warm, and returns the replay's start it sends back. */
    private static long startSignal(Path out, BufferedReader demo) throws IOException {
        Files.writeString(Path.of(out + ".ready"), "", StandardCharsets.UTF_8);
        long t0 = Long.parseLong(readLine(demo).trim());
        long now;
        while ((now = System.nanoTime()) < t0) {
            LockSupport.parkNanos(t0 - now);
        }
        return t0;
    }

    /** Tells the demo this JVM's replay is over; true when this JVM is to measure the idle server. */
    private static boolean replayedSignal(Path out, BufferedReader demo) throws IOException {
        Files.writeString(Path.of(out + ".replayed"), "", StandardCharsets.UTF_8);
        return readLine(demo).trim().equals("idle");
    }

    private static String readLine(BufferedReader demo) throws IOException {
        String line = demo.readLine();
        if (line == null) {
            throw new IOException("the demo closed its pipe to this replay");
        }
        return line;
    }

    private static void replayRt(Trace trace, InteractiveSummaries interactive, boolean real, double scale, long t0,
                                 long endNs, List<CallRecord> records) {
        List<Thread> users = new ArrayList<>();
        for (Trace.Row row : trace.rt()) {
            long at = (long) (row.arrivalS() / scale * 1e9);
            if (at >= endNs) {
                break;
            }
            long now;
            while ((now = System.nanoTime() - t0) < at) {
                LockSupport.parkNanos(at - now);
            }
            Thread user = new Thread(() -> {
                CALL_HEADERS.set(headers(row, real));
                long issue = System.nanoTime() - t0;
                java.util.concurrent.atomic.AtomicLong first = new java.util.concurrent.atomic.AtomicLong(-1);
                String error = null;
                try {
                    interactive.stream(article(row), token -> {
                        first.compareAndSet(-1, System.nanoTime() - t0);
                    });
                } catch (RuntimeException e) {
                    error = e.toString();
                }
                records.add(new CallRecord("RT", row.seq(), issue, first.get(), System.nanoTime() - t0, error == null,
                        row.slotS(), row.prefillS(), Thread.currentThread().getName(), error));
            }, "rt-user-" + row.seq());
            user.start();
            users.add(user);
        }
        for (Thread u : users) {
            try {
                u.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The idle-server time to first token as this client, this machine and this time scale give it:
     * the median of a few RT calls (the trace's first RT row, short output) made one at a time on the
     * idle server after the replay. Every replayed RT call pays the same fixed costs, so TTFT ratios
     * against it measure the scheduling alone. Real (scaled) nanoseconds.
     */
    private static long idleTtft(InteractiveSummaries interactive, Trace trace, boolean real) throws InterruptedException {
        Trace.Row row = trace.rt().get(0);
        Map<String, String> h = new LinkedHashMap<>(headers(row, real));
        if (!real) {
            h.put("X-Sim-Gen-Ms", "0");
            h.put("X-Sim-Output-Tokens", "2");
        }
        h.put("X-Demo-Id", "calibration");
        long[] ttft = new long[9];
        for (int i = 0; i < ttft.length; i++) {
            long[] first = {-1};
            int k = i;
            Thread t = new Thread(() -> {
                CALL_HEADERS.set(h);
                long issue = System.nanoTime();
                interactive.stream(article(row), token -> {
                    if (first[0] < 0) {
                        first[0] = System.nanoTime() - issue;
                    }
                });
                ttft[k] = first[0];
            }, "rt-user-calibration");
            t.start();
            t.join();
        }
        java.util.Arrays.sort(ttft);
        return ttft[ttft.length / 2];
    }

    /** A few untimed calls so class loading and JIT warm-up do not land on the first traced calls. */
    private static void warmUp(BatchSummarizer batch, InteractiveSummaries interactive, boolean real)
            throws InterruptedException {
        Map<String, String> h = real ? Map.of() : Map.of("X-Sim-Prefill-Ms", "0", "X-Sim-Gen-Ms", "0",
                "X-Sim-Output-Tokens", "2", "X-Demo-Id", "warmup");
        AtomicBoolean ok = new AtomicBoolean(true);
        for (int i = 0; i < 3; i++) {
            Thread t = new Thread(() -> {
                CALL_HEADERS.set(h);
                interactive.stream(new Article("warmup", "Warm-up", "Warm-up."), s -> { });
            }, "rt-user-warmup");
            t.start();
            t.join();
            Iterator<Article> one = List.of(new Article("warmup", "Warm-up", "Warm-up.")).iterator();
            Iterator<Article> withHeaders = new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return one.hasNext();
                }

                @Override
                public Article next() {
                    CALL_HEADERS.set(h);
                    return one.next();
                }
            };
            batch.summarizeAll(withHeaders, (art, s, e) -> {
                if (e != null) {
                    ok.set(false);
                    e.printStackTrace();
                }
            });
        }
        if (!ok.get()) {
            System.err.println("replay: warm-up calls failed; is the server up?");
        }
    }

    static Map<String, String> headers(Trace.Row row, boolean real) {
        Map<String, String> h = new LinkedHashMap<>();
        if (!real) {
            h.put("X-Sim-Prefill-Ms", Long.toString(Math.round(row.prefillS() * 1000)));
            h.put("X-Sim-Gen-Ms", Long.toString(Math.round(row.genS() * 1000)));
            h.put("X-Sim-Output-Tokens", Long.toString(outputTokens(row)));
        }
        h.put("X-Demo-Id", row.kind() + "-" + row.seq());
        return h;
    }

    /**
     * Every call generates at the ADR day's RT rate, 20 tokens in 10 s: so a batch call's progress is seen in steps of
     * 0.5 s (victim choice by tokens, what a continued call keeps), not in a few long steps.
     */
    static long outputTokens(Trace.Row row) {
        return Math.max(1, Math.round(row.genS() * 2));
    }

    static Article article(Trace.Row row) {
        String id = row.kind() + "-" + row.seq();
        return new Article(id, "Story " + id,
                "City council approves budget item " + row.seq() + " after a long debate; residents react. "
                        + "Officials said the measure funds transit, parks and libraries over two years.");
    }

    private ReplayApp() {}
}
