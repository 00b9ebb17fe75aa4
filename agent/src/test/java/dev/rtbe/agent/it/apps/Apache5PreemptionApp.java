package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.start;

import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.Base64;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.VersionInfo;

/**
 * A plain application making non-streaming batch chat calls with Apache HttpClient 5, classic or
 * async, while a stream arrives (with the JDK client); it knows nothing of the agent. Prints
 * {@code KEY value} lines for {@code Apache5PreemptionIT}, then the agent's state.
 */
public final class Apache5PreemptionApp {
    private static final CloseableHttpClient CLASSIC = HttpClients.createDefault();
    private static final CloseableHttpAsyncClient ASYNC = HttpAsyncClients.createDefault();
    private static final HttpClient JDK = HttpClient.newHttpClient();

    /** Output tokens of the batch call (as {@link JdkClientApp#RESUMABLE_TOKENS}). */
    public static final int TOKENS = JdkClientApp.RESUMABLE_TOKENS;

    public static void main(String[] args) throws Exception {
        ASYNC.start();
        System.out.println("CLIENT " + VersionInfo.getSoftwareInfo("Apache-HttpClient", "org.apache.hc.client5",
                Apache5PreemptionApp.class));
        String scenario = args[0];
        String url = args[1];
        String probe = args[2];
        boolean async = args[3].equals("async");
        String route = args[4];
        String gateUrl = args[5];
        switch (scenario) {
            case "preempt": preempt(url, probe, async, route, gateUrl); break;
            case "cancel": cancel(url, probe, async, route, gateUrl); break;
            default: throw new IllegalArgumentException(scenario);
        }
        AppSupport.awaitIdleAndReport();
        ASYNC.close(CloseMode.IMMEDIATE);
        CLASSIC.close(CloseMode.IMMEDIATE);
    }

    /**
     * One slot, a batch call on it; once the server has generated some of its tokens (the test's
     * probe says how many; it pauses there until it is preempted), a stream arrives and takes the
     * slot. The batch call's response is printed with its status and headers; then the same call
     * unpreempted, and one the server refuses.
     */
    static void preempt(String url, String probe, boolean async, String route, String gateUrl) throws Exception {
        Thread batch = start("batch", () -> print("BE", call(url, async, route, "llama3.2:latest", "be")));
        Thread user;
        try {
            awaitTokens(probe, SimGates.PREEMPT_AT);
            user = start("user", () -> {
                HttpResponse<Stream<String>> r = JDK.send(AppSupport.generate(url, true, 20, 200)
                        .header("X-Test-Id", "rt").build(), BodyHandlers.ofLines());
                try (Stream<String> lines = r.body()) {
                    System.out.println("RT-LINES " + lines.count());
                }
            });
            JdkClientApp.awaitPreempted();
        } finally {
            SimGates.open(gateUrl, "be");
        }
        batch.join();
        user.join();
        System.out.println("PREEMPTIONS " + AppSupport.mbean("Preemptions"));
        print("AGAIN", call(url, async, route, "llama3.2:latest", "be-again"));
        print("MISSING", call(url, async, route, "nosuch:latest", "missing"));
    }

    /**
     * As {@link #preempt}, with a stream held at the server (at a gate of the test's) until the batch call waits to
     * get its slot again and the application gives it up (async: cancels its future; classic: interrupts its thread).
     */
    static void cancel(String url, String probe, boolean async, String route, String gateUrl) throws Exception {
        Thread user;
        try {
            user = giveUpWhileWaitingAgain(url, probe, async, route);
        } finally {
            SimGates.open(gateUrl, "be");
            SimGates.open(gateUrl, "rt");
        }
        user.join();
    }

    /** Returns the stream's thread. */
    private static Thread giveUpWhileWaitingAgain(String url, String probe, boolean async, String route) throws Exception {
        Thread user = null;
        if (async) {
            Future<SimpleHttpResponse> f = ASYNC.execute(SimpleRequestProducer.create(asyncRequest(url, route,
                    "llama3.2:latest", "be")), SimpleResponseConsumer.create(), null);
            awaitTokens(probe, SimGates.PREEMPT_AT);
            user = heldStream(url);
            AppSupport.awaitCondition(() -> AppSupport.queued() == 1 && (Long) AppSupport.mbean("Preemptions") == 1,
                    "the batch call waiting again");
            System.out.println("CANCELLED " + f.cancel(true) + " queued=" + AppSupport.queued());
            try {
                f.get(10, TimeUnit.SECONDS);
                System.out.println("GOT none");
            } catch (CancellationException e) {
                System.out.println("GOT CancellationException");
            }
        } else {
            Thread batch = new Thread(() -> {
                try {
                    call(url, false, route, "llama3.2:latest", "be");
                    System.out.println("GOT none");
                } catch (InterruptedIOException e) {
                    System.out.println("GOT InterruptedIOException stillInterrupted=" + Thread.currentThread().isInterrupted());
                } catch (Exception e) {
                    System.out.println("GOT " + e);
                }
            }, "batch");
            batch.start();
            awaitTokens(probe, SimGates.PREEMPT_AT);
            user = heldStream(url);
            AppSupport.awaitCondition(() -> AppSupport.queued() == 1 && (Long) AppSupport.mbean("Preemptions") == 1,
                    "the batch call waiting again");
            batch.interrupt();
            batch.join();
            System.out.println("CANCELLED true queued=" + AppSupport.queued());
        }
        return user;
    }

    /** A stream that keeps its slot at the server until the test's gate {@code rt} opens. */
    private static Thread heldStream(String url) {
        return start("user", () -> JDK.send(AppSupport.generate(url, true, 20, 200).header("X-Test-Id", "rt")
                .header(SimGates.HOLD, "rt").build(), BodyHandlers.ofString()));
    }

    /** Status, type, length, body of one call: {@code KEY-STATUS} etc. */
    private static void print(String key, Answer a) {
        System.out.println(key + "-STATUS " + a.status);
        System.out.println(key + "-CONTENT-TYPE " + a.contentType);
        System.out.println(key + "-CONTENT-LENGTH " + a.contentLength);
        System.out.println(key + "-BODY-LENGTH " + a.body.length);
        System.out.println(key + "-BODY " + Base64.getEncoder().encodeToString(a.body));
    }

    static final class Answer {
        final int status;
        final String contentType;
        final String contentLength;
        final byte[] body;

        Answer(int status, Header contentType, Header contentLength, byte[] body) {
            this.status = status;
            this.contentType = contentType == null ? "none" : contentType.getValue();
            this.contentLength = contentLength == null ? "none" : contentLength.getValue();
            this.body = body;
        }
    }

    /**
     * One non-streaming chat call. Classic: through a response handler for the first call, through
     * {@code execute} handing back the response for the others; async: a simple request and consumer.
     */
    private static Answer call(String url, boolean async, String route, String model, String testId) throws Exception {
        if (async) {
            SimpleHttpResponse r = ASYNC.execute(SimpleRequestProducer.create(asyncRequest(url, route, model, testId)),
                    SimpleResponseConsumer.create(), null).get(60, TimeUnit.SECONDS);
            return new Answer(r.getCode(), r.getFirstHeader("Content-Type"), r.getFirstHeader("Content-Length"),
                    r.getBodyBytes());
        }
        HttpPost post = classicRequest(url, route, model, testId);
        if (testId.equals("be")) {
            return CLASSIC.execute(post, response -> new Answer(response.getCode(), response.getFirstHeader("Content-Type"),
                    response.getFirstHeader("Content-Length"), EntityUtils.toByteArray(response.getEntity())));
        }
        try (CloseableHttpResponse response = CLASSIC.execute(post)) {
            return new Answer(response.getCode(), response.getFirstHeader("Content-Type"),
                    response.getFirstHeader("Content-Length"), EntityUtils.toByteArray(response.getEntity()));
        }
    }

    /**
     * The JDK app's resumable call: the batch call ({@code be}) pausing where its stream comes, the unpreempted one
     * again ({@code be-again}) generated quickly.
     */
    private static HttpRequest resumable(String url, String route, String model, String testId) {
        HttpRequest.Builder b = JdkClientApp.resumableChat(url, route, model);
        return (testId.equals("be") ? JdkClientApp.paused(b) : testId.equals("be-again") ? JdkClientApp.quickly(b) : b)
                .build();
    }

    private static HttpPost classicRequest(String url, String route, String model, String testId) {
        HttpRequest jdk = resumable(url, route, model, testId);
        HttpPost post = new HttpPost(jdk.uri());
        simHeaders(jdk).forEach(h -> post.addHeader(h[0], h[1]));
        post.addHeader("X-Test-Id", testId);
        post.setEntity(new StringEntity(JdkClientApp.resumableBody(route, model), ContentType.APPLICATION_JSON));
        return post;
    }

    private static SimpleHttpRequest asyncRequest(String url, String route, String model, String testId) {
        HttpRequest jdk = resumable(url, route, model, testId);
        SimpleHttpRequest request = new SimpleHttpRequest("POST", jdk.uri());
        simHeaders(jdk).forEach(h -> request.addHeader(h[0], h[1]));
        request.addHeader("X-Test-Id", testId);
        request.setBody(JdkClientApp.resumableBody(route, model), ContentType.APPLICATION_JSON);
        return request;
    }

    /** The simulator's timing headers of the JDK app's resumable call (the body's type comes with the entity). */
    private static Stream<String[]> simHeaders(HttpRequest jdk) {
        return jdk.headers().map().entrySet().stream().filter(e -> e.getKey().startsWith("X-Sim-"))
                .flatMap(e -> e.getValue().stream().map(v -> new String[] {e.getKey(), v}));
    }

    /** Waits until the test's probe says the batch call's first attempt has generated {@code n} tokens. */
    private static void awaitTokens(String probe, int n) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create(probe)).build();
        AppSupport.awaitCondition(() -> Integer.parseInt(JDK.send(get, BodyHandlers.ofString()).body().trim()) >= n,
                "the batch call " + n + " tokens in");
    }

    private Apache5PreemptionApp() {}
}
