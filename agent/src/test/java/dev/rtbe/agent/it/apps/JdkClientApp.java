package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.drainRequestHead;
import static dev.rtbe.agent.it.apps.AppSupport.start;
import static dev.rtbe.agent.it.apps.AppSupport.awaitQueued;
import static dev.rtbe.agent.it.apps.AppSupport.awaitInFlight;
import static dev.rtbe.agent.it.apps.AppSupport.awaitIdleAndReport;
import static dev.rtbe.agent.it.apps.AppSupport.generate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
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
            case "flood": flood(url); break;
            case "overtake": overtake(url); break;
            case "hold-stream": holdStream(url); break;
            case "early-close": earlyClose(url); break;
            case "reader-throws": readerThrows(url); break;
            case "reset": reset(url); break;
            case "refused": refused(url); break;
            case "timeout": timeout(url); break;
            case "cancel-queued": cancelQueued(url); break;
            case "interrupt": interrupt(url); break;
            case "handlers": handlers(url); break;
            case "max-hold": maxHold(url); break;
            case "concurrent": concurrent(url, Integer.parseInt(args[2])); break;
            case "classify": Classify.run(url); break;
            case "preempt": preempt(url, args[2], args[3]); break;
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

    /** With one slot: a long BE runs, 4 BE queue, then one RT arrives; RT must go next. */
    static void overtake(String url) throws Exception {
        List<Thread> threads = new ArrayList<>();
        threads.add(start("batch-first", () -> send(generate(url, false, 10, 400).header("X-Test-Id", "be-0").build(),
                BodyHandlers.ofString())));
        awaitInFlight(1);
        for (int i = 1; i <= 4; i++) {
            int id = i;
            threads.add(start("batch-" + i, () -> send(generate(url, false, 10, 50).header("X-Test-Id", "be-" + id)
                    .build(), BodyHandlers.ofString())));
        }
        awaitQueued(4);
        threads.add(start("user", () -> send(generate(url, true, 10, 50).header("X-Test-Id", "rt").build(),
                BodyHandlers.ofString())));
        for (Thread t : threads) {
            t.join();
        }
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

    /** Read the first line of a stream, close it: the slot must come back at once. */
    static void earlyClose(String url) throws Exception {
        HttpResponse<InputStream> r = send(generate(url, true, 10, 2000).build(), BodyHandlers.ofInputStream());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            System.out.println("FIRST " + (reader.readLine() != null));
        }
        awaitInFlight(0);
        System.out.println("AFTER-CLOSE " + AppSupport.inFlight());
        System.out.println("NEXT " + send(generate(url, false, 1, 1).build(), BodyHandlers.ofString()).statusCode());
    }

    /** The application throws while consuming a stream of lines (closed by try-with-resources). */
    static void readerThrows(String url) throws Exception {
        HttpResponse<Stream<String>> r = send(generate(url, true, 10, 2000).build(), BodyHandlers.ofLines());
        try (Stream<String> lines = r.body()) {
            lines.forEach(line -> {
                throw new IllegalStateException("application bug while reading");
            });
        } catch (IllegalStateException expected) {
            System.out.println("THREW " + expected.getMessage());
        }
    }

    /** A server on an endpoint port that sends half a stream and resets the connection. */
    static void reset(String url) throws Exception {
        int port = URI.create(url).getPort();
        try (ServerSocket server = new ServerSocket(port)) {
            Thread peer = start("peer", () -> {
                try (Socket s = server.accept()) {
                    drainRequestHead(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "10\r\n{\"response\":\"a\"}\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    s.setSoLinger(true, 0); // RST instead of FIN
                }
            });
            try {
                HttpResponse<InputStream> r = send(generate(url, true, 1, 1).build(), BodyHandlers.ofInputStream());
                try (InputStream in = r.body()) {
                    in.readAllBytes();
                }
                System.out.println("RESET none");
            } catch (IOException e) {
                System.out.println("RESET " + e.getClass().getSimpleName());
            }
            peer.join();
        }
    }

    static void refused(String url) throws Exception {
        try {
            send(generate(url, false, 1, 1).build(), BodyHandlers.ofString());
            System.out.println("REFUSED none");
        } catch (IOException e) {
            System.out.println("REFUSED " + e.getClass().getSimpleName());
        }
    }

    /** One slot held; a call whose own timeout passes while it waits fails as the JDK reports timeouts. */
    static void timeout(String url) throws Exception {
        Thread holder = start("holder", () -> send(generate(url, false, 10, 1500).build(), BodyHandlers.ofString()));
        awaitInFlight(1);
        try {
            send(generate(url, false, 1, 1).timeout(Duration.ofMillis(200)).build(), BodyHandlers.ofString());
            System.out.println("TIMEOUT none");
        } catch (HttpTimeoutException e) {
            System.out.println("TIMEOUT " + e.getMessage());
        }
        holder.join();
    }

    /** One slot held; an async call cancelled while queued is never sent. */
    static void cancelQueued(String url) throws Exception {
        Thread holder = start("holder", () -> send(generate(url, false, 10, 800).build(), BodyHandlers.ofString()));
        awaitInFlight(1);
        CompletableFuture<HttpResponse<String>> f = CLIENT.sendAsync(generate(url, false, 1, 1)
                .header("X-Test-Id", "cancelled").build(), BodyHandlers.ofString());
        awaitQueued(1);
        System.out.println("CANCEL " + f.cancel(true) + " queued=" + AppSupport.queued());
        holder.join();
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
