package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.start;
import static dev.rtbe.agent.it.apps.AppSupport.awaitQueued;
import static dev.rtbe.agent.it.apps.AppSupport.awaitInFlight;
import static dev.rtbe.agent.it.apps.AppSupport.awaitIdleAndReport;
import static dev.rtbe.agent.it.apps.AppSupport.generateBody;

import io.netty.handler.timeout.ReadTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/**
 * A plain application using Reactor Netty's {@code HttpClient}, blocking ({@code block()}) and
 * not (subscribe with callbacks), streaming (the body as a {@code Flux} of chunks) and not
 * (aggregated); it knows nothing of the agent. Each scenario prints {@code KEY value} lines.
 */
public final class ReactorNettyApp {
    static final HttpClient CLIENT = HttpClient.create();

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        String url = args[1];
        switch (scenario) {
            case "hold-stream": holdStream(url); break;
            case "stream-ends": earlyClose(url); readerThrows(url); cancel(url); break;
            case "timeouts": timeouts(url); break;
            case "modes": modes(url); break;
            case "classify": headers(url); builtHereSentThere(url); break;
            case "concurrent": concurrent(url, Integer.parseInt(args[2])); break;
            case "webclient": WebClientCalls.run(url); break;
            default: throw new IllegalArgumentException(scenario);
        }
        awaitIdleAndReport();
        System.out.flush();
        System.exit(0); // the event loops' threads would keep the JVM alive a little longer
    }

    /** A generate call with fixed server durations; {@code priority} goes into X-Rtbe-Priority. */
    static HttpClient.ResponseReceiver<?> generate(String url, boolean stream, long prefillMs, long genMs,
                                                   String testId, String priority) {
        return CLIENT.headers(h -> {
            h.set("X-Sim-Prefill-Ms", prefillMs).set("X-Sim-Gen-Ms", genMs).set("X-Sim-Output-Tokens", 10);
            if (testId != null) {
                h.set("X-Test-Id", testId);
            }
            if (priority != null) {
                h.set("X-Rtbe-Priority", priority);
            }
        }).post().uri(url + "/api/generate").send(ByteBufFlux.fromString(Mono.just(generateBody(stream))));
    }

    /** Blocking, aggregated. */
    static String text(HttpClient.ResponseReceiver<?> call) {
        return call.responseContent().aggregate().asString().block(Duration.ofSeconds(30));
    }

    /** One slot: a slow stream read chunk by chunk holds the slot to its end; a batch call waits. */
    static void holdStream(String url) throws Exception {
        AtomicInteger chunks = new AtomicInteger();
        Thread stream = start("user", () -> generate(url, true, 10, 400, "rt", "rt").responseContent().asString()
                .doOnNext(s -> chunks.incrementAndGet()).blockLast(Duration.ofSeconds(30)));
        awaitInFlight(1);
        Thread batch = start("batch", () -> text(generate(url, false, 10, 10, "be", null)));
        join(List.of(stream, batch));
        report("CHUNKS " + (chunks.get() > 1));
    }

    /** Take the first chunk of a long stream and stop: the slot must come back at once. */
    static void earlyClose(String url) throws Exception {
        String first = generate(url, true, 10, 2000, null, null).responseContent().asString()
                .next().block(Duration.ofSeconds(30));
        report("FIRST " + (first != null && !first.isEmpty()));
        awaitInFlight(0);
        report("AFTER-CLOSE " + AppSupport.inFlight());
        report("NEXT " + generate(url, false, 1, 1, null, null).response().block(Duration.ofSeconds(30)).status().code());
    }

    /** The application throws while consuming a stream inside response((res, body) -> ...). */
    static void readerThrows(String url) {
        try {
            generate(url, true, 10, 2000, null, null).response((res, body) -> body.asString().map(s -> {
                throw new IllegalStateException("application bug while reading");
            })).blockLast(Duration.ofSeconds(30));
            report("THREW none");
        } catch (IllegalStateException expected) {
            report("THREW " + expected.getMessage());
        }
    }

    /**
     * A Reactor timeout on a call still queued cancels its wait (never sent); Reactor Netty's
     * response timeout on a stream that stalls ends the call with an error.
     */
    static void timeouts(String url) throws Exception {
        Thread holder = start("holder", () -> text(generate(url, false, 10, 1500, null, null)));
        awaitInFlight(1);
        try {
            generate(url, false, 1, 1, "timed-out", null).responseContent().aggregate().asString()
                    .timeout(Duration.ofMillis(200)).block(Duration.ofSeconds(30));
            report("QUEUED-TIMEOUT none");
        } catch (RuntimeException e) {
            report("QUEUED-TIMEOUT " + (Exceptions.unwrap(e) instanceof TimeoutException) + " queued=" + AppSupport.queued());
        }
        holder.join();
        try {
            CLIENT.responseTimeout(Duration.ofMillis(300)).headers(h -> h.set("X-Sim-Prefill-Ms", 2000)
                            .set("X-Sim-Gen-Ms", 10)).post().uri(url + "/api/generate")
                    .send(ByteBufFlux.fromString(Mono.just(generateBody(true)))).responseContent().asString()
                    .blockLast(Duration.ofSeconds(30));
            report("READ-TIMEOUT none");
        } catch (RuntimeException e) {
            report("READ-TIMEOUT " + (Exceptions.unwrap(e) instanceof ReadTimeoutException));
        }
    }

    /** Disposing an async subscription: while queued (never sent), and mid-stream. */
    static void cancel(String url) throws Exception {
        Thread holder = start("holder", () -> text(generate(url, false, 10, 800, null, null)));
        awaitInFlight(1);
        Disposable queued = generate(url, false, 1, 1, "cancelled", null).responseContent().aggregate().asString()
                .subscribe(s -> report("ERROR cancelled call answered"));
        awaitQueued(1);
        queued.dispose();
        report("CANCEL-QUEUED queued=" + AppSupport.queued());
        holder.join();
        awaitInFlight(0);
        CompletableFuture<Boolean> firstChunk = new CompletableFuture<>();
        Disposable running = generate(url, true, 10, 3000, "abandoned", null).responseContent().asString()
                .subscribe(s -> firstChunk.complete(true));
        firstChunk.get(30, TimeUnit.SECONDS);
        report("CANCEL-RUNNING inFlight=" + AppSupport.inFlight());
        running.dispose();
        awaitInFlight(0);
        report("CANCEL-RUNNING-AFTER " + AppSupport.inFlight());
    }

    /** Every terminal method, blocking and async: the body must arrive whole and the slot come back. */
    static void modes(String url) throws Exception {
        String expected = text(generate(url, true, 1, 20, null, null));
        report("content-aggregate", expected, expected);
        report("content-stream", String.join("", generate(url, true, 1, 20, null, null).responseContent().asString()
                .collectList().block(Duration.ofSeconds(30))), expected);
        report("response-fn", String.join("", generate(url, true, 1, 20, null, null)
                .response((res, body) -> body.asString()).collectList().block(Duration.ofSeconds(30))), expected);
        report("response-single", generate(url, true, 1, 20, null, null)
                .responseSingle((res, body) -> body.asString()).block(Duration.ofSeconds(30)), expected);
        report("response-headers", String.valueOf(generate(url, true, 1, 20, null, null).response()
                .block(Duration.ofSeconds(30)).status().code()), "200");
        report("response-connection", String.join("", generate(url, true, 1, 20, null, null)
                .responseConnection((res, conn) -> conn.inbound().receive().asString())
                .collectList().block(Duration.ofSeconds(30))), expected);
        CompletableFuture<String> async = new CompletableFuture<>();
        generate(url, true, 1, 20, null, null).responseSingle((res, body) -> body.asString())
                .subscribe(async::complete, async::completeExceptionally);
        report("async-single", async.get(30, TimeUnit.SECONDS), expected);
        StringBuilder streamed = new StringBuilder();
        CompletableFuture<String> asyncStream = new CompletableFuture<>();
        generate(url, true, 1, 20, null, null).responseContent().asString().subscribe(streamed::append,
                asyncStream::completeExceptionally, () -> asyncStream.complete(streamed.toString()));
        report("async-stream", asyncStream.get(30, TimeUnit.SECONDS), expected);
        report("base-url", CLIENT.baseUrl(url).headers(h -> h.set("X-Sim-Gen-Ms", 20).set("X-Sim-Output-Tokens", 10))
                .post().uri("/api/generate").send(ByteBufFlux.fromString(Mono.just(generateBody(true))))
                .responseContent().aggregate().asString().block(Duration.ofSeconds(30)), expected);
    }

    /** The classification header, set on the client and in the send callback: neither may leave the JVM. */
    static void headers(String url) {
        text(generate(url, false, 1, 1, "client-header", "rt"));
        CLIENT.post().uri(url + "/api/generate").send((req, out) -> {
            req.header("X-Rtbe-Priority", "be").header("X-Test-Id", "send-header");
            return out.sendString(Mono.just(generateBody(false)));
        }).responseContent().aggregate().asString().block(Duration.ofSeconds(30));
    }

    /** Built on an RT-named thread, subscribed on a BE-named one: the building thread decides. */
    static void builtHereSentThere(String url) throws Exception {
        CompletableFuture<Mono<String>> built = new CompletableFuture<>();
        join(List.of(start("rt-worker-1", () -> built.complete(generate(url, false, 1, 1, null, null).responseContent()
                .aggregate().asString()))));
        join(List.of(start("be-worker-1", () -> built.get().block(Duration.ofSeconds(30)))));
    }

    static void concurrent(String url, int n) throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            threads.add(start("batch-" + i, () -> text(generate(url, false, 10, 300, null, null))));
        }
        join(threads);
    }

    private static long grants() throws Exception {
        return (Long) AppSupport.mbean("RtGranted") + (Long) AppSupport.mbean("BeGranted");
    }

    private static void report(String mode, String body, String expected) throws Exception {
        awaitInFlight(0);
        report("MODE " + mode + " same=" + stable(body).equals(stable(expected)) + " inFlight=" + AppSupport.inFlight());
    }

    static synchronized void report(String line) {
        System.out.println(line);
    }

    /** The body without what differs between two identical requests: timestamps and durations. */
    private static String stable(String body) {
        return body == null ? "null" : body.replaceAll("(?i)\"created_at\":\"[^\"]*\"", "")
                .replaceAll("(?i)\"[a-z_]*duration\":\\d+", "");
    }

    static void join(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
    }

}
