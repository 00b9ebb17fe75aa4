package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.start;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A long non-streaming batch chat call through Reactor Netty's {@code HttpClient} or Spring's
 * WebClient on it, preempted by a stream once the server has generated some of its tokens (the
 * test's probe says how many). Prints the batch call's status, headers and body (Base64), as the
 * application received them. Knows nothing of the agent.
 */
public final class ReactorPreemptionApp {
    static final HttpClient CLIENT = HttpClient.create();
    private static final java.net.http.HttpClient PROBE = java.net.http.HttpClient.newHttpClient();

    /** Output tokens of the batch call. */
    public static final int TOKENS = 200;
    /**
     * How long the server takes to generate them, besides the pause after {@link SimGates#PREEMPT_AT} tokens where
     * the stream comes: the batch call is still running when it comes, however slow the machine.
     */
    public static final long GEN_MS = 1000;
    /** The same for a call no stream preempts, of which the test reads only the answer (its text does not depend on it). */
    private static final long QUICK_GEN_MS = 300;

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        String url = args[1];
        String progressProbe = args[2];
        String route = args[3];
        String client = args[4];
        String gateUrl = args[5];
        switch (scenario) {
            case "preempt": preempt(url, progressProbe, route, client, gateUrl); break;
            case "dispose": dispose(url, progressProbe, route, client, gateUrl); break;
            default: throw new IllegalArgumentException(scenario);
        }
        AppSupport.awaitIdleAndReport();
        System.out.flush();
        System.exit(0); // the event loops' threads would keep the JVM alive a little longer
    }

    /**
     * The batch call, cut by a stream (while it pauses at the test's gate {@code be}, opened once it is preempted),
     * and the same call unpreempted, and one the server refuses.
     */
    static void preempt(String url, String progressProbe, String route, String client, String gateUrl) throws Exception {
        warmUp(progressProbe);
        Thread batch = start("batch", () -> print("BE", chat(client, url, route, "llama3.2:latest", "be", GEN_MS, PAUSED)
                .block(Duration.ofSeconds(60))));
        Thread user;
        try {
            awaitProgress(progressProbe, SimGates.PREEMPT_AT);
            user = start("user", () -> System.out.println("RT-LINES " + stream(url, null)));
            AppSupport.awaitCondition(() -> (Long) AppSupport.mbean("Preemptions") == 1, "the batch call preempted");
        } finally {
            SimGates.open(gateUrl, "be");
        }
        batch.join();
        user.join();
        System.out.println("PREEMPTIONS " + AppSupport.mbean("Preemptions"));
        print("AGAIN", chat(client, url, route, "llama3.2:latest", "be-again", QUICK_GEN_MS, null)
                .block(Duration.ofSeconds(60)));
        print("MISSING", chat(client, url, route, "nosuch:latest", "missing", GEN_MS, null).block(Duration.ofSeconds(60)));
    }

    /**
     * The application gives up on the batch call while it waits for a slot again after its
     * preemption: it leaves the queue, and the server never sees it again. The stream keeps its slot
     * at the server (held at the test's gate {@code rt}) until then.
     */
    static void dispose(String url, String progressProbe, String route, String client, String gateUrl) throws Exception {
        warmUp(progressProbe);
        AtomicReference<String> signal = new AtomicReference<>("none");
        Disposable call = chat(client, url, route, "llama3.2:latest", "be", GEN_MS, PAUSED)
                .subscribe(answer -> signal.set("value"), error -> signal.set("error " + error), () -> signal.set("complete"));
        Thread user;
        try {
            awaitProgress(progressProbe, SimGates.PREEMPT_AT);
            user = start("user", () -> System.out.println("RT-LINES " + stream(url, "rt")));
            AppSupport.awaitCondition(() -> (Integer) AppSupport.mbean("BeQueued") == 1, "the batch call waiting again");
            call.dispose();
            AppSupport.awaitCondition(() -> (Integer) AppSupport.mbean("BeQueued") == 0, "the batch call gone from the queue");
            System.out.println("RT-RUNNING-AFTER-DISPOSE " + AppSupport.mbean("RtInFlight"));
        } finally {
            SimGates.open(gateUrl, "be");
            SimGates.open(gateUrl, "rt");
        }
        user.join();
        System.out.println("PREEMPTIONS " + AppSupport.mbean("Preemptions"));
        System.out.println("SIGNAL " + signal.get());
    }

    /** What the application got: status, two headers, the body. */
    static final class Answer {
        final int status;
        final String contentType;
        final String contentLength;
        final String body;

        Answer(int status, String contentType, String contentLength, String body) {
            this.status = status;
            this.contentType = contentType;
            this.contentLength = contentLength;
            this.body = body;
        }
    }

    static void print(String key, Answer a) {
        byte[] body = a.body.getBytes(StandardCharsets.UTF_8);
        System.out.println(key + "-STATUS " + a.status);
        System.out.println(key + "-CONTENT-TYPE " + a.contentType);
        System.out.println(key + "-CONTENT-LENGTH " + a.contentLength);
        System.out.println(key + "-BODY-LENGTH " + body.length);
        System.out.println(key + "-BODY " + Base64.getEncoder().encodeToString(body));
    }

    /** The batch call's pause, where its stream comes. */
    private static final String PAUSED = SimGates.pauseAfter("be", SimGates.PREEMPT_AT);

    /** A non-streaming chat call generated in {@code genMs}, pausing as {@code pause} says ({@link SimGates#PAUSE}) unless null. */
    static Mono<Answer> chat(String client, String url, String route, String model, String testId, long genMs,
                             String pause) {
        String path = route.equals("chat") ? "/api/chat" : "/v1/chat/completions";
        String body = chatBody(route, model);
        if (client.equals("webclient")) {
            return WebClient.create(url).post().uri(path).header("Content-Type", "application/json")
                    .header("X-Sim-Prefill-Ms", "50").header("X-Sim-Gen-Ms", Long.toString(genMs))
                    .header("X-Sim-Output-Tokens", Integer.toString(TOKENS)).header("X-Test-Id", testId)
                    .headers(h -> {
                        if (pause != null) {
                            h.set(SimGates.PAUSE, pause);
                        }
                    })
                    .bodyValue(body)
                    .exchangeToMono(r -> r.bodyToMono(String.class).defaultIfEmpty("").map(s -> new Answer(
                            r.statusCode().value(), r.headers().asHttpHeaders().getFirst("Content-Type"),
                            r.headers().asHttpHeaders().getFirst("Content-Length"), s)));
        }
        return CLIENT.headers(h -> {
                    h.set("Content-Type", "application/json").set("X-Sim-Prefill-Ms", "50")
                            .set("X-Sim-Gen-Ms", genMs).set("X-Sim-Output-Tokens", TOKENS).set("X-Test-Id", testId);
                    if (pause != null) {
                        h.set(SimGates.PAUSE, pause);
                    }
                })
                .post().uri(url + path).send(ByteBufFlux.fromString(Mono.just(body)))
                .responseSingle((r, b) -> b.asString().defaultIfEmpty("").map(s -> new Answer(r.status().code(),
                        r.responseHeaders().get("Content-Type"), r.responseHeaders().get("Content-Length"), s)));
    }

    /** The body of {@code JdkClientApp.resumableChat}: a non-streaming chat call that may be continued. */
    public static String chatBody(String route, String model) {
        String messages = "\"messages\":[{\"role\":\"system\",\"content\":\"You summarise news.\"},"
                + "{\"role\":\"user\",\"content\":\"Summarise today's batch of articles.\"}]";
        boolean chat = route.equals("chat");
        return "{\"model\":\"" + model + "\"," + messages + (chat ? ",\"stream\":false,\"options\":{\"temperature\":0}}" : "}");
    }

    /** An RT stream through Reactor Netty, held at the server at gate {@code hold} unless null; returns its lines. */
    private static long stream(String url, String hold) {
        String text = CLIENT.headers(h -> {
                    h.set("X-Sim-Prefill-Ms", "20").set("X-Sim-Gen-Ms", "200").set("X-Sim-Output-Tokens", 10).set("X-Test-Id", "rt");
                    if (hold != null) {
                        h.set(SimGates.HOLD, hold);
                    }
                })
                .post().uri(url + "/api/generate").send(ByteBufFlux.fromString(Mono.just(AppSupport.generateBody(true))))
                .responseContent().aggregate().asString().block(Duration.ofSeconds(30));
        return text == null ? 0 : Stream.of(text.split("\n")).filter(l -> !l.isBlank()).count();
    }

    /**
     * Readies the client the stream goes through (its event loops and pool) on a call the agent
     * does not gate, so that on a busy machine the stream still comes while the batch call runs.
     */
    private static void warmUp(String probe) {
        CLIENT.get().uri(probe).responseContent().aggregate().asString().block(Duration.ofSeconds(30));
    }

    private static void awaitProgress(String probe, int tokens) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create(probe)).build();
        AppSupport.awaitCondition(() -> Integer.parseInt(PROBE.send(get, HttpResponse.BodyHandlers.ofString()).body().trim())
                >= tokens, "the batch call " + tokens + " tokens in");
    }
}
