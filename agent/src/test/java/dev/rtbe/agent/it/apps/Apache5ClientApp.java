package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.awaitIdleAndReport;
import static dev.rtbe.agent.it.apps.AppSupport.generateBody;
import static dev.rtbe.agent.it.apps.AppSupport.awaitInFlight;
import static dev.rtbe.agent.it.apps.AppSupport.awaitQueued;
import static dev.rtbe.agent.it.apps.AppSupport.start;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.AbstractBinResponseConsumer;
import org.apache.hc.client5.http.async.methods.AbstractCharResponseConsumer;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.BasicHttpClientResponseHandler;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * A plain application using Apache HttpClient 5, classic and async; it knows nothing of the agent.
 * Each scenario prints {@code KEY value} lines for the test, then the agent's state (over JMX).
 */
public final class Apache5ClientApp {
    static final CloseableHttpClient CLASSIC = HttpClients.custom().setConnectionManager(
            PoolingHttpClientConnectionManagerBuilder.create().setMaxConnPerRoute(20).setMaxConnTotal(40).build()).build();
    static final CloseableHttpAsyncClient ASYNC = HttpAsyncClients.custom().setConnectionManager(
            PoolingAsyncClientConnectionManagerBuilder.create().setMaxConnPerRoute(20).setMaxConnTotal(40).build()).build();

    public static void main(String[] args) throws Exception {
        ASYNC.start();
        String scenario = args[0];
        String url = args[1];
        switch (scenario) {
            case "hold-stream": holdStream(url); break;
            case "early-close": earlyClose(url); break;
            case "reader-throws": readerThrows(url); break;
            case "timeouts": timeouts(url); break;
            case "cancel": cancel(url); break;
            case "shapes": shapes(url); break;
            case "max-hold": maxHold(url); break;
            case "concurrent": concurrent(url); break;
            default: throw new IllegalArgumentException(scenario);
        }
        awaitIdleAndReport();
        ASYNC.close(CloseMode.IMMEDIATE);
        CLASSIC.close(CloseMode.IMMEDIATE);
    }

    // ---- requests

    static HttpPost post(String url, boolean stream, long prefillMs, long genMs, String testId) {
        HttpPost post = new HttpPost(url + "/api/generate");
        post.addHeader("X-Sim-Prefill-Ms", Long.toString(prefillMs));
        post.addHeader("X-Sim-Gen-Ms", Long.toString(genMs));
        post.addHeader("X-Sim-Output-Tokens", "10");
        if (testId != null) {
            post.addHeader("X-Test-Id", testId);
        }
        post.setEntity(new StringEntity(generateBody(stream), ContentType.APPLICATION_JSON));
        return post;
    }

    static SimpleRequestBuilder simpleBuilder(String url, boolean stream, long prefillMs, long genMs, String testId) {
        SimpleRequestBuilder b = SimpleRequestBuilder.post(url + "/api/generate")
                .addHeader("X-Sim-Prefill-Ms", Long.toString(prefillMs))
                .addHeader("X-Sim-Gen-Ms", Long.toString(genMs))
                .addHeader("X-Sim-Output-Tokens", "10")
                .setBody(generateBody(stream), ContentType.APPLICATION_JSON);
        if (testId != null) {
            b.addHeader("X-Test-Id", testId);
        }
        return b;
    }

    static SimpleHttpRequest simple(String url, boolean stream, long prefillMs, long genMs, String testId) {
        return simpleBuilder(url, stream, prefillMs, genMs, testId).build();
    }

    /**
     * A short stream whose headers are back: its slot stays taken until the application reads it
     * to the end, whenever the scenario is ready - however slowly the machine runs.
     */
    static ClassicHttpResponse holdSlot(String url, String testId) throws IOException {
        return CLASSIC.executeOpen(null, post(url, true, 10, 200, testId), null);
    }

    static void readAndClose(ClassicHttpResponse held) throws IOException {
        try (held) {
            held.getEntity().getContent().readAllBytes();
        }
    }

    static String classicString(HttpPost post) throws IOException {
        return CLASSIC.execute(post, new BasicHttpClientResponseHandler());
    }

    static String asyncString(SimpleHttpRequest request) throws Exception {
        return ASYNC.execute(request, null).get(30, TimeUnit.SECONDS).getBodyText();
    }

    static Future<String> asyncStream(SimpleHttpRequest request, Chunks onChunk) {
        return ASYNC.execute(SimpleRequestProducer.create(request), new TextConsumer(onChunk), null);
    }

    interface Chunks {
        void seen(String text) throws IOException;
    }

    /** A streaming consumer: text chunks as they arrive, the whole text at the end. */
    static final class TextConsumer extends AbstractCharResponseConsumer<String> {
        private final StringBuilder text = new StringBuilder();
        private final Chunks onChunk;

        TextConsumer(Chunks onChunk) {
            this.onChunk = onChunk;
        }

        @Override protected void start(HttpResponse response, ContentType contentType) {}
        @Override protected int capacityIncrement() { return Integer.MAX_VALUE; }
        @Override protected void data(CharBuffer src, boolean endOfStream) throws IOException {
            String chunk = src.toString();
            text.append(chunk);
            if (onChunk != null && !chunk.isEmpty()) {
                onChunk.seen(chunk);
            }
        }
        @Override protected String buildResult() { return text.toString(); }
        @Override public void releaseResources() {}
    }

    /** A streaming binary consumer. */
    static final class BytesConsumer extends AbstractBinResponseConsumer<String> {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override protected void start(HttpResponse response, ContentType contentType) {}
        @Override protected int capacityIncrement() { return Integer.MAX_VALUE; }
        @Override protected void data(ByteBuffer src, boolean endOfStream) {
            byte[] b = new byte[src.remaining()];
            src.get(b);
            bytes.write(b, 0, b.length);
        }
        @Override protected String buildResult() { return bytes.toString(StandardCharsets.UTF_8); }
        @Override public void releaseResources() {}
    }

    // ---- scenarios

    /** One slot: a slow stream read to its end holds it; a batch call waits. Classic, then async. */
    static void holdStream(String url) throws Exception {
        Thread stream = start("user", () -> {
            try (ClassicHttpResponse r = CLASSIC.executeOpen(null, post(url, true, 10, 400, "rt-c"), null)) {
                r.getEntity().getContent().readAllBytes();
            }
        });
        awaitInFlight(1);
        Thread batch = start("batch", () -> classicString(post(url, false, 10, 10, "be-c")));
        stream.join();
        batch.join();

        Future<String> rt = asyncStream(simple(url, true, 10, 400, "rt-a"), null);
        awaitInFlight(1);
        Future<SimpleHttpResponse> be = ASYNC.execute(simple(url, false, 10, 10, "be-a"), null);
        rt.get(30, TimeUnit.SECONDS);
        be.get(30, TimeUnit.SECONDS);
    }

    /** Streams left early: a closed classic stream, an immediate close, a cancelled async stream. */
    static void earlyClose(String url) throws Exception {
        try (ClassicHttpResponse r = CLASSIC.executeOpen(null, post(url, true, 10, 1000, "drained"), null)) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(r.getEntity().getContent(), StandardCharsets.UTF_8));
            System.out.println("FIRST " + (reader.readLine() != null));
            reader.close(); // the client reads the rest off the wire, then frees the connection
        }
        System.out.println("AFTER-CLOSE " + AppSupport.inFlight());

        @SuppressWarnings("deprecation") // the overload that hands back a CloseableHttpResponse, for close(CloseMode)
        CloseableHttpResponse r = CLASSIC.execute(post(url, true, 10, 5000, "immediate"));
        new BufferedReader(new InputStreamReader(r.getEntity().getContent(), StandardCharsets.UTF_8)).readLine();
        r.close(CloseMode.IMMEDIATE);
        System.out.println("AFTER-IMMEDIATE " + AppSupport.inFlight());

        CountDownLatch firstChunk = new CountDownLatch(1);
        Future<String> f = asyncStream(simple(url, true, 10, 5000, "async-cancel"), chunk -> firstChunk.countDown());
        firstChunk.await(20, TimeUnit.SECONDS);
        System.out.println("CANCEL-STREAM " + f.cancel(true));
        awaitInFlight(0);
        System.out.println("AFTER-CANCEL " + AppSupport.inFlight());
        System.out.println("NEXT " + CLASSIC.execute(post(url, false, 1, 1, null), ClassicHttpResponse::getCode));
    }

    /** The application throws while reading: in a handler, over a stream, in an async consumer. */
    static void readerThrows(String url) throws Exception {
        try {
            CLASSIC.execute(post(url, true, 10, 500, null), response -> {
                new BufferedReader(new InputStreamReader(response.getEntity().getContent(), StandardCharsets.UTF_8)).readLine();
                throw new IllegalStateException("bug in a handler");
            });
        } catch (IllegalStateException e) {
            System.out.println("THREW-HANDLER " + e.getMessage() + " inFlight=" + AppSupport.inFlight());
        }
        try (ClassicHttpResponse r = CLASSIC.executeOpen(null, post(url, true, 10, 500, null), null)) {
            new BufferedReader(new InputStreamReader(r.getEntity().getContent(), StandardCharsets.UTF_8)).readLine();
            throw new IllegalStateException("bug while reading a stream");
        } catch (IllegalStateException e) {
            System.out.println("THREW-STREAM " + e.getMessage() + " inFlight=" + AppSupport.inFlight());
        }
        try {
            asyncStream(simple(url, true, 10, 500, null), chunk -> {
                throw new IllegalStateException("bug in a consumer");
            }).get(30, TimeUnit.SECONDS);
            System.out.println("THREW-ASYNC none");
        } catch (ExecutionException e) {
            awaitInFlight(0);
            System.out.println("THREW-ASYNC " + e.getCause().getMessage());
        }
    }

    /** The request's own connection-request timeout bounds the queue wait; a response timeout ends the call. */
    static void timeouts(String url) throws Exception {
        RequestConfig shortWait = RequestConfig.custom().setConnectionRequestTimeout(Timeout.ofMilliseconds(200)).build();
        ClassicHttpResponse held = holdSlot(url, null);
        HttpPost classic = post(url, false, 1, 1, "waited-c");
        classic.setConfig(shortWait);
        try {
            classicString(classic);
            System.out.println("QUEUE-TIMEOUT-C none");
        } catch (IOException e) {
            System.out.println("QUEUE-TIMEOUT-C " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        try {
            asyncString(simpleBuilder(url, false, 1, 1, "waited-a").setRequestConfig(shortWait).build());
            System.out.println("QUEUE-TIMEOUT-A none");
        } catch (ExecutionException e) {
            System.out.println("QUEUE-TIMEOUT-A " + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
        }
        readAndClose(held);

        RequestConfig slowAnswer = RequestConfig.custom().setResponseTimeout(Timeout.ofMilliseconds(200)).build();
        HttpPost slow = post(url, false, 2000, 1, null);
        slow.setConfig(slowAnswer);
        try {
            classicString(slow);
            System.out.println("RESPONSE-TIMEOUT-C none");
        } catch (IOException e) {
            System.out.println("RESPONSE-TIMEOUT-C " + e.getClass().getSimpleName() + " inFlight=" + AppSupport.inFlight());
        }
        try {
            asyncString(simpleBuilder(url, false, 2000, 1, null).setRequestConfig(slowAnswer).build());
            System.out.println("RESPONSE-TIMEOUT-A none");
        } catch (ExecutionException e) {
            awaitInFlight(0);
            System.out.println("RESPONSE-TIMEOUT-A " + e.getCause().getClass().getSimpleName());
        }
    }

    /** One slot held; calls that give up while queued leave the queue and are never sent. */
    static void cancel(String url) throws Exception {
        ClassicHttpResponse held = holdSlot(url, null);

        Future<SimpleHttpResponse> f = ASYNC.execute(simple(url, false, 1, 1, "cancelled-a"), null);
        awaitQueued(1);
        System.out.println("CANCEL-A " + f.cancel(true) + " queued=" + AppSupport.queued());

        HttpPost aborted = post(url, false, 1, 1, "aborted-c");
        Thread abortedCaller = start("aborted", () -> {
            try {
                classicString(aborted);
                System.out.println("ABORT-C none");
            } catch (IOException e) {
                System.out.println("ABORT-C " + e.getClass().getSimpleName());
            }
        });
        awaitQueued(1);
        aborted.cancel();
        abortedCaller.join();

        Thread interrupted = new Thread(() -> {
            try {
                classicString(post(url, false, 1, 1, "interrupted-c"));
                System.out.println("INTERRUPT-C none");
            } catch (InterruptedIOException e) {
                System.out.println("INTERRUPT-C InterruptedIOException stillInterrupted=" + Thread.currentThread().isInterrupted());
            } catch (IOException e) {
                System.out.println("INTERRUPT-C " + e);
            }
        }, "interrupted");
        interrupted.start();
        awaitQueued(1);
        interrupted.interrupt();
        interrupted.join();
        System.out.println("QUEUED-AFTER " + AppSupport.queued());
        readAndClose(held);
    }

    /** Every way of calling and reading: the whole body arrives and the slot comes back. */
    static void shapes(String url) throws Exception {
        String expected = classicString(post(url, true, 1, 20, null));
        report("classic-handler", expected, expected);
        URI uri = URI.create(url);
        HttpHost host = new HttpHost(uri.getScheme(), uri.getHost(), uri.getPort());
        HttpPost relative = post(url, true, 1, 20, null);
        relative.setUri(URI.create("/api/generate"));
        report("classic-host-handler", CLASSIC.execute(host, relative, new BasicHttpClientResponseHandler()), expected);
        try (ClassicHttpResponse r = CLASSIC.executeOpen(null, post(url, true, 1, 20, null), null)) {
            report("classic-open-toString", EntityUtils.toString(r.getEntity()), expected);
        }
        @SuppressWarnings("deprecation")
        CloseableHttpResponse old = CLASSIC.execute(post(url, true, 1, 20, null));
        try (old) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            old.getEntity().writeTo(out);
            report("classic-writeTo", out.toString(StandardCharsets.UTF_8), expected);
        }
        try (ClassicHttpResponse r = CLASSIC.executeOpen(null, post(url, true, 1, 20, null), null);
             InputStream in = r.getEntity().getContent()) {
            report("classic-stream", new String(in.readAllBytes(), StandardCharsets.UTF_8), expected);
        }
        report("async-simple", asyncString(simple(url, true, 1, 20, null)), expected);
        report("async-simple-consumer", ASYNC.execute(SimpleRequestProducer.create(simple(url, true, 1, 20, null)),
                SimpleResponseConsumer.create(), null).get(30, TimeUnit.SECONDS).getBodyText(), expected);
        report("async-char-consumer", asyncStream(simple(url, true, 1, 20, null), null).get(30, TimeUnit.SECONDS), expected);
        report("async-bin-consumer", ASYNC.execute(SimpleRequestProducer.create(simple(url, true, 1, 20, null)),
                new BytesConsumer(), null).get(30, TimeUnit.SECONDS), expected);
        SimpleHttpRequest toHost = simple(url, true, 1, 20, null);
        toHost.setUri(URI.create("/api/generate"));
        report("async-host", ASYNC.execute(host, SimpleRequestProducer.create(toHost), new BytesConsumer(), null, null, null)
                .get(30, TimeUnit.SECONDS), expected);
        CountDownLatch called = new CountDownLatch(1);
        String[] viaCallback = new String[1];
        ASYNC.execute(simple(url, true, 1, 20, null), new org.apache.hc.core5.concurrent.FutureCallback<>() {
            @Override public void completed(SimpleHttpResponse result) {
                viaCallback[0] = result.getBodyText();
                called.countDown();
            }
            @Override public void failed(Exception ex) { called.countDown(); }
            @Override public void cancelled() { called.countDown(); }
        });
        called.await(30, TimeUnit.SECONDS);
        report("async-callback", viaCallback[0], expected);
    }

    /** A response never read nor closed: max-hold takes the slot back. */
    static void maxHold(String url) throws Exception {
        // A whole call first: the first call's one-time costs (the agent's JMX view, its adapters) are
        // paid before the 1 s max-hold starts counting.
        classicString(post(url, false, 1, 1, null));
        awaitInFlight(0);
        ClassicHttpResponse r = CLASSIC.executeOpen(null, post(url, true, 10, 60_000, null), null);
        System.out.println("HELD " + AppSupport.inFlight());
        awaitInFlight(0);
        System.out.println("RECLAIMED " + AppSupport.inFlight() + " " + r.getCode());
    }

    /** 3 classic and 3 async calls at once (for hosts the agent must leave alone). */
    static void concurrent(String url) throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            threads.add(start("batch-" + i, () -> classicString(post(url, false, 10, 1000, null))));
            futures.add(ASYNC.execute(simple(url, false, 10, 1000, null), null));
        }
        for (Thread t : threads) {
            t.join();
        }
        for (Future<?> f : futures) {
            f.get(30, TimeUnit.SECONDS);
        }
    }

    private static void report(String shape, String body, String expected) throws Exception {
        awaitInFlight(0);
        System.out.println("SHAPE " + shape + " same=" + (body != null && stable(body).equals(stable(expected)))
                + " inFlight=" + AppSupport.inFlight());
    }

    /** The body without what differs between two identical requests: timestamps and durations. */
    private static String stable(String body) {
        return body.replaceAll("(?i)\"created_at\":\"[^\"]*\"", "").replaceAll("(?i)\"[a-z_]*duration\":\\d+", "");
    }

    /** Reads a request's head and its Content-Length body, so closing the socket sends no RST. */
    private static void readRequest(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                in.readNBytes(Integer.parseInt(line.substring(15).trim()));
            }
        }
    }
}
