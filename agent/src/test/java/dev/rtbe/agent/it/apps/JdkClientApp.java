package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.start;
import static dev.rtbe.agent.it.apps.AppSupport.awaitQueued;
import static dev.rtbe.agent.it.apps.AppSupport.awaitInFlight;
import static dev.rtbe.agent.it.apps.AppSupport.awaitIdleAndReport;
import static dev.rtbe.agent.it.apps.AppSupport.generate;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A plain application using {@code java.net.http.HttpClient}; it knows nothing of the agent.
 * Each scenario prints {@code KEY value} lines for the test to check, and the agent's state at
 * the end (read over JMX, as an operator would).
 */
public final class JdkClientApp {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        String url = args[1];
        switch (scenario) {
            case "flood": flood(url); break; // OpenTelemetryAgentCoexistenceIT
            case "hold-stream": holdStream(url); break;
            case "interrupt": interrupt(url); break;
            case "handlers": handlers(url); break;
            case "max-hold": maxHold(url); break;
            case "concurrent": concurrent(url, Integer.parseInt(args[2])); break;
            case "classify": Classify.run(url); break;
            case "preempt": preempt(url, args[2], args[3]); break;
            case "resume": resume(url, args[2], args[3], args[4], args[5]); break; // ResumablePreemptionIT
            case "resume-cancel": resumeCancel(url, args[2], args[3]); break; // ResumablePreemptionIT
            default: throw new IllegalArgumentException(scenario);
        }
        awaitIdleAndReport();
    }

    /** 6 batch calls and 2 streams at once, from differently named threads. */
    static void flood(String url) throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            threads.add(start("batch-" + i, () -> send(generate(url, false, 20, 150).build(), BodyHandlers.ofString())));
        }
        Thread.sleep(30); // let the batch calls queue up first: an ordering nudge, not a synchronisation
        for (int i = 0; i < 2; i++) {
            threads.add(start("user-" + i, () -> send(generate(url, true, 20, 150).build(), BodyHandlers.ofString())));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    /**
     * Two slots, both running batch calls on the server; then a stream arrives. With transparent
     * preemption the younger batch call is aborted and re-sent: this application sees two whole
     * batch bodies (printed in Base64) and a whole stream, and no error.
     */
    static void preempt(String url, String serverProbe, String bodyKind) throws Exception {
        java.util.Map<String, String> bodies = new java.util.concurrent.ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String id = "be-" + i;
            HttpRequest.Builder batch = generate(url, false, 300, 1200).header("X-Test-Id", id);
            if (bodyKind.equals("streamed")) {
                // A one-shot body of unknown length, sent chunked (as Spring's RestClient does).
                batch.POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofString(AppSupport.generateBody(false))));
            }
            threads.add(start("batch-" + i, () -> bodies.put(id, send(batch.build(), BodyHandlers.ofString()).body())));
            awaitServerRunning(serverProbe, i + 1); // the older call is older on the server too
        }
        threads.add(start("user", () -> {
            HttpResponse<Stream<String>> r = send(generate(url, true, 20, 200).header("X-Test-Id", "rt").build(),
                    BodyHandlers.ofLines());
            try (Stream<String> lines = r.body()) {
                System.out.println("RT-LINES " + lines.count());
            }
        }));
        for (Thread t : threads) {
            t.join();
        }
        for (String id : new String[] {"be-0", "be-1"}) {
            String body = bodies.get(id);
            System.out.println("BODY-" + id + " " + (body == null ? "missing"
                    : java.util.Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8))));
        }
        System.out.println("PREEMPTIONS " + AppSupport.mbean("Preemptions"));
        System.out.println("PREEMPTED-SLOT-SECONDS " + AppSupport.mbean("PreemptedSlotSeconds"));
    }

    /**
     * One slot, a long non-streaming batch chat call on it; once the server has generated some of
     * its tokens (the test's probe says how many), a stream arrives. With transparent preemption
     * and resumption the batch call is cut, continued later, and this application gets one
     * non-streaming body (printed with its status and headers). {@code how} is {@code send} or
     * {@code sendAsync} (whose future this application waits on).
     */
    static void resume(String url, String progressProbe, String route, String how, String gateUrl) throws Exception {
        Thread batch = start("batch", () -> {
            HttpRequest be = paused(resumableChat(url, route)).header("X-Test-Id", "be").build();
            HttpResponse<String> r = how.equals("sendAsync") ? CLIENT.sendAsync(be, BodyHandlers.ofString()).get()
                    : send(be, BodyHandlers.ofString());
            System.out.println("BE-STATUS " + r.statusCode());
            System.out.println("BE-CONTENT-TYPE " + r.headers().firstValue("Content-Type").orElse("none"));
            System.out.println("BE-CONTENT-LENGTH " + r.headers().firstValue("Content-Length").orElse("none"));
            System.out.println("BE-BODY-LENGTH " + r.body().getBytes(StandardCharsets.UTF_8).length);
            System.out.println("BE-BODY " + java.util.Base64.getEncoder().encodeToString(
                    r.body().getBytes(StandardCharsets.UTF_8)));
        });
        Thread user;
        try {
            user = preemptWhenThirtyTokensIn(url, progressProbe, null);
            awaitPreempted();
        } finally {
            SimGates.open(gateUrl, "be");
        }
        batch.join();
        user.join();
        System.out.println("PREEMPTIONS " + AppSupport.mbean("Preemptions"));
        // The same call unpreempted, and one the server refuses: each as a non-streaming call gets it.
        HttpResponse<String> again = send(quickly(resumableChat(url, route)).header("X-Test-Id", "be-again").build(),
                BodyHandlers.ofString());
        System.out.println("AGAIN-BODY " + java.util.Base64.getEncoder().encodeToString(
                again.body().getBytes(StandardCharsets.UTF_8)));
        HttpResponse<String> missing = send(resumableChat(url, route, "nosuch:latest").header("X-Test-Id", "missing").build(),
                BodyHandlers.ofString());
        System.out.println("MISSING " + missing.statusCode() + " " + missing.headers().firstValue("Content-Type").orElse("none")
                + " " + java.util.Base64.getEncoder().encodeToString(missing.body().getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Once the batch call has 30 tokens (the test's probe says), a stream that preempts it; held at the server at
     * gate {@code hold} (keeping its slot) unless null.
     */
    private static Thread preemptWhenThirtyTokensIn(String url, String progressProbe, String hold) throws Exception {
        HttpRequest progress = HttpRequest.newBuilder(URI.create(progressProbe)).build();
        AppSupport.awaitCondition(() -> Integer.parseInt(CLIENT.send(progress, BodyHandlers.ofString()).body().trim())
                >= SimGates.PREEMPT_AT, "the batch call " + SimGates.PREEMPT_AT + " tokens in");
        return start("user", () -> {
            HttpRequest.Builder rt = generate(url, true, 20, 200).header("X-Test-Id", "rt");
            HttpResponse<Stream<String>> r = send((hold == null ? rt : rt.header(SimGates.HOLD, hold)).build(),
                    BodyHandlers.ofLines());
            try (Stream<String> lines = r.body()) {
                System.out.println("RT-LINES " + lines.count());
            }
        });
    }

    /**
     * As {@link #resume} with {@code sendAsync}, but the application cancels its future while the
     * preempted call waits for its slot again: the call ends there and never goes out again. The stream
     * keeps its slot at the server (held at the test's gate {@code rt}) until then.
     */
    static void resumeCancel(String url, String progressProbe, String gateUrl) throws Exception {
        CompletableFuture<HttpResponse<String>> batch = CLIENT.sendAsync(
                paused(resumableChat(url, "chat")).header("X-Test-Id", "be").build(), BodyHandlers.ofString());
        Thread user = null;
        try {
            user = preemptWhenThirtyTokensIn(url, progressProbe, "rt");
            AppSupport.awaitCondition(() -> "1".equals(String.valueOf(AppSupport.mbean("Preemptions")))
                    && AppSupport.queued() == 1, "the preempted call waiting for its slot again, behind the stream");
            System.out.println("CANCELLED " + batch.cancel(true));
            System.out.println("QUEUED-AFTER-CANCEL " + AppSupport.queued());
        } finally {
            SimGates.open(gateUrl, "be");
            SimGates.open(gateUrl, "rt");
        }
        user.join();
        HttpResponse<String> after = send(generate(url, false, 10, 10).header("X-Test-Id", "after").build(),
                BodyHandlers.ofString());
        System.out.println("AFTER " + after.statusCode());
        System.out.println("PREEMPTIONS " + AppSupport.mbean("Preemptions"));
    }

    /** Output tokens of the resumable batch call. */
    public static final int RESUMABLE_TOKENS = 200;

    /**
     * The resumable call generated in 200 ms rather than 1 s: for a call that no stream preempts, of which the tests
     * read only the answer (the simulator's text depends on the request, not its timing).
     */
    public static HttpRequest.Builder quickly(HttpRequest.Builder resumable) {
        return resumable.setHeader("X-Sim-Gen-Ms", "200");
    }

    /**
     * The resumable call pausing (keeping its slot) after {@link SimGates#PREEMPT_AT} tokens, where its stream comes,
     * until the test's gate {@code be} opens: it is still running when the stream comes, however slow the machine.
     */
    public static HttpRequest.Builder paused(HttpRequest.Builder resumable) {
        return resumable.setHeader(SimGates.PAUSE, SimGates.pauseAfter("be", SimGates.PREEMPT_AT));
    }

    /** Waits until the agent has preempted the batch call (its first preemption). */
    static void awaitPreempted() throws Exception {
        AppSupport.awaitCondition(() -> (Long) AppSupport.mbean("Preemptions") >= 1, "the batch call preempted");
    }

    /** A non-streaming chat call that may be continued: {@code chat} is /api/chat, {@code openai} /v1/chat/completions. */
    public static HttpRequest.Builder resumableChat(String baseUrl, String route) {
        return resumableChat(baseUrl, route, "llama3.2:latest");
    }

    public static HttpRequest.Builder resumableChat(String baseUrl, String route, String model) {
        boolean chat = !route.equals("openai");
        String body = resumableBody(route, model);
        return HttpRequest.newBuilder(URI.create(baseUrl + (chat ? "/api/chat" : "/v1/chat/completions")))
                .header("Content-Type", "application/json")
                .header("X-Sim-Prefill-Ms", "50")
                .header("X-Sim-Gen-Ms", "1000") // besides a pause where a stream comes (paused)
                .header("X-Sim-Output-Tokens", Integer.toString(RESUMABLE_TOKENS))
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    /** The body of {@link #resumableChat}. */
    public static String resumableBody(String route, String model) {
        String messages = "\"messages\":[{\"role\":\"system\",\"content\":\"You summarise news.\"},"
                + "{\"role\":\"user\",\"content\":\"Summarise today's batch of articles.\"}]";
        boolean chat = !route.equals("openai");
        String format = route.equals("chat-format") ? ",\"format\":\"json\"" : ""; // structured output: restarted, never continued
        return "{\"model\":\"" + model + "\"," + messages + format
                + (chat ? ",\"stream\":false,\"options\":{\"temperature\":0}}" : "}");
    }

    /** The length of a batch request's body, as the server should see it. */
    public static int batchBodyLength() {
        return AppSupport.generateBody(false).getBytes(StandardCharsets.UTF_8).length;
    }

    /** Polls the test's probe for the number of requests the simulator is generating. */
    private static void awaitServerRunning(String probe, int n) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create(probe)).build();
        AppSupport.awaitCondition(() -> Integer.parseInt(CLIENT.send(get, BodyHandlers.ofString()).body().trim()) >= n,
                "the server running " + n);
    }

    /** One slot: a slow stream read to its end holds the slot; a batch call waits for it. */
    static void holdStream(String url) throws Exception {
        Thread stream = start("user", () -> {
            HttpResponse<InputStream> r = send(generate(url, true, 10, 400).header("X-Test-Id", "rt").build(),
                    BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                in.readAllBytes();
            }
        });
        awaitInFlight(1);
        Thread batch = start("batch", () -> send(generate(url, false, 10, 10).header("X-Test-Id", "be").build(),
                BodyHandlers.ofString()));
        stream.join();
        batch.join();
    }

    /** A blocking call interrupted while it waits: InterruptedException, status still set. */
    static void interrupt(String url) throws Exception {
        Thread holder = start("holder", () -> send(generate(url, false, 10, 1000).build(), BodyHandlers.ofString()));
        awaitInFlight(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try {
                CLIENT.send(generate(url, false, 1, 1).build(), BodyHandlers.ofString());
                System.out.println("INTERRUPT none");
            } catch (InterruptedException e) {
                System.out.println("INTERRUPT InterruptedException stillInterrupted="
                        + Thread.currentThread().isInterrupted());
            } catch (IOException e) {
                System.out.println("INTERRUPT " + e);
            }
            done.countDown();
        }, "waiter");
        waiter.start();
        awaitQueued(1);
        waiter.interrupt();
        done.await(20, TimeUnit.SECONDS);
        holder.join();
    }

    /** Every kind of body handler, blocking and async: the body must arrive whole and the slot come back. */
    static void handlers(String url) throws Exception {
        HttpRequest stream = generate(url, true, 1, 20).build();
        String expected = CLIENT.send(stream, BodyHandlers.ofString()).body();
        report("ofString", expected, expected);
        report("ofByteArray", new String(CLIENT.send(stream, BodyHandlers.ofByteArray()).body(), StandardCharsets.UTF_8),
                expected);
        try (InputStream in = CLIENT.send(stream, BodyHandlers.ofInputStream()).body()) {
            report("ofInputStream", new String(in.readAllBytes(), StandardCharsets.UTF_8), expected);
        }
        try (Stream<String> lines = CLIENT.send(stream, BodyHandlers.ofLines()).body()) {
            report("ofLines", String.join("\n", (Iterable<String>) lines::iterator) + "\n", expected);
        }
        report("ofPublisher", collect(CLIENT.send(stream, BodyHandlers.ofPublisher()).body()), expected);
        report("discarding", String.valueOf(CLIENT.send(stream, BodyHandlers.discarding()).statusCode()), "200");
        report("mapping", CLIENT.send(stream, info -> HttpResponse.BodySubscribers.mapping(
                HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8), String::toUpperCase)).body(),
                expected.toUpperCase());
        report("async-ofString", CLIENT.sendAsync(stream, BodyHandlers.ofString()).get().body(), expected);
        report("async-ofLines", String.join("\n", (Iterable<String>) CLIENT.sendAsync(stream, BodyHandlers.ofLines())
                .get().body()::iterator) + "\n", expected);
        report("async-ofPublisher", collect(CLIENT.sendAsync(stream, BodyHandlers.ofPublisher()).get().body()), expected);
    }

    /** A stream the application never reads or closes: max-hold takes the slot back. */
    static void maxHold(String url) throws Exception {
        // A whole call first: the first call's one-time costs (the agent's JMX view, its adapters) are
        // paid before the 1 s max-hold starts counting.
        send(generate(url, false, 1, 1).build(), BodyHandlers.ofString());
        awaitInFlight(0);
        HttpResponse<InputStream> r = send(generate(url, true, 10, 60_000).build(), BodyHandlers.ofInputStream());
        System.out.println("HELD " + AppSupport.inFlight());
        awaitInFlight(0);
        System.out.println("RECLAIMED " + AppSupport.inFlight() + " " + (r.statusCode()));
    }

    /** n calls at once (for hosts the agent must leave alone). */
    static void concurrent(String url, int n) throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            threads.add(start("batch-" + i, () -> send(generate(url, false, 10, 300).build(), BodyHandlers.ofString())));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    private static String collect(Flow.Publisher<List<ByteBuffer>> publisher) throws Exception {
        CompletableFuture<String> text = new CompletableFuture<>();
        StringBuilder sb = new StringBuilder();
        publisher.subscribe(new Flow.Subscriber<>() {
            @Override public void onSubscribe(Flow.Subscription s) { s.request(Long.MAX_VALUE); }
            @Override public void onNext(List<ByteBuffer> item) {
                for (ByteBuffer b : item) {
                    sb.append(StandardCharsets.UTF_8.decode(b));
                }
            }
            @Override public void onError(Throwable t) { text.completeExceptionally(t); }
            @Override public void onComplete() { text.complete(sb.toString()); }
        });
        return text.get(20, TimeUnit.SECONDS);
    }

    private static void report(String handler, String body, String expected) throws Exception {
        awaitInFlight(0);
        System.out.println("HANDLER " + handler + " same=" + stable(body).equals(stable(expected))
                + " inFlight=" + AppSupport.inFlight());
    }

    /** The body without what differs between two identical requests: timestamps and durations. */
    private static String stable(String body) {
        return body.replaceAll("(?i)\"created_at\":\"[^\"]*\"", "")
                .replaceAll("(?i)\"[a-z_]*duration\":\\d+", "");
    }

    static <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return CLIENT.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

}
