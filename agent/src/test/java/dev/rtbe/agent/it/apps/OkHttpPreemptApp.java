package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.awaitIdleAndReport;
import static dev.rtbe.agent.it.apps.AppSupport.start;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * A plain OkHttp application for OkHttpPreemptionIT; it knows nothing of the agent. With one slot,
 * a long non-streaming batch chat call runs; once the server has generated some of it (the test's
 * probe says how many tokens), a stream arrives. {@code main(mode, simUrl, probeUrl, gateUrl)} runs every
 * scenario with {@code execute} (mode {@code execute}) or {@code enqueue}: each prints
 * {@code KEY-<scenario> value} lines and the agent's state after it.
 */
public final class OkHttpPreemptApp {
    private static final MediaType JSON = MediaType.parse("application/json");
    /**
     * Output tokens of every batch call, generated in {@link #GEN_MS}, besides the pause after
     * {@link SimGates#PREEMPT_AT} tokens where a preempted call's stream comes (the call is still running when it
     * comes, however slow the machine).
     */
    public static final int TOKENS = 200;
    public static final int GEN_MS = 1000;
    /** The read timeout scenario's call: its answer takes longer than the 1 s read timeout. */
    private static final int SLOW_GEN_MS = 4000;
    /** With an application interceptor, which must make the same request of every attempt. */
    private static final OkHttpClient CLIENT = new OkHttpClient.Builder().readTimeout(30, TimeUnit.SECONDS)
            .addInterceptor(chain -> chain.proceed(chain.request().newBuilder().header("X-App-Interceptor", "seen").build()))
            .build();
    private static final HttpClient PROBE = HttpClient.newHttpClient(); // not an endpoint: never gated

    private static boolean async;
    private static String url;
    private static String probe;
    private static String gateUrl;

    public static void main(String[] args) throws Exception {
        async = args[0].equals("enqueue");
        url = args[1];
        probe = args[2];
        gateUrl = args[3];
        for (String scenario : new String[] {"chat", "openai", "restart", "one-shot", "cancel", "read-timeout"}) {
            if (scenario.equals("cancel")) {
                cancelWhileWaiting();
            } else if (scenario.equals("read-timeout")) {
                readTimeout();
            } else {
                preempted(scenario);
            }
            awaitIdleAndReport();
            System.out.println("PREEMPTIONS-" + scenario + " " + AppSupport.mbean("Preemptions"));
        }
        System.out.flush();
        System.exit(0); // OkHttp's dispatcher threads are not daemons
    }

    /**
     * The batch call's request body: {@code chat}, {@code one-shot} (the same, written by a one-shot
     * body) and {@code restart} (structured output) on /api/chat, {@code openai}.
     */
    public static String body(String scenario) {
        String messages = "\"messages\":[{\"role\":\"system\",\"content\":\"You summarise news.\"},"
                + "{\"role\":\"user\",\"content\":\"Summarise today's batch of articles.\"}]";
        String model = "\"model\":\"llama3.2:latest\",";
        switch (scenario) {
            case "openai": return "{" + model + messages + "}";
            case "restart": return "{" + model + messages + ",\"stream\":false,\"format\":\"json\"}";
            default: return "{" + model + messages + ",\"stream\":false,\"options\":{\"temperature\":0}}";
        }
    }

    public static String path(String scenario) {
        return scenario.equals("openai") ? "/v1/chat/completions" : "/api/chat";
    }

    /** The simulator's timing headers of the batch call. */
    public static String[] simHeaders() {
        return new String[] {"X-Sim-Prefill-Ms", "50", "X-Sim-Gen-Ms", Integer.toString(GEN_MS),
                "X-Sim-Output-Tokens", Integer.toString(TOKENS)};
    }

    /** A batch call that pauses after {@link SimGates#PREEMPT_AT} tokens until the test's gate {@code id} opens. */
    private static Request batch(String scenario, String id) {
        return batchBuilder(scenario, id).header(SimGates.PAUSE, SimGates.pauseAfter(id, SimGates.PREEMPT_AT)).build();
    }

    private static Request.Builder batchBuilder(String scenario, String id) {
        Request.Builder b = new Request.Builder().url(url + path(scenario)).header("X-Test-Id", id)
                .header("X-Rtbe-Priority", "batch")
                .post(scenario.equals("one-shot") ? oneShot(body(scenario)) : RequestBody.create(JSON, body(scenario)));
        String[] h = simHeaders();
        for (int i = 0; i < h.length; i += 2) {
            b.header(h[i], h[i + 1]);
        }
        return b;
    }

    /** A body that may be written once (of unknown length: sent chunked); a second write is an error. */
    private static RequestBody oneShot(String json) {
        java.util.concurrent.atomic.AtomicBoolean written = new java.util.concurrent.atomic.AtomicBoolean();
        return new RequestBody() {
            @Override
            public MediaType contentType() {
                return JSON;
            }

            @Override
            public boolean isOneShot() {
                return true;
            }

            @Override
            public void writeTo(okio.BufferedSink sink) throws IOException {
                if (written.getAndSet(true)) {
                    throw new IllegalStateException("a one-shot body written twice");
                }
                sink.writeUtf8(json);
            }
        };
    }

    /** A stream of 10 tokens in 200 ms; held at the server (keeping its slot) at gate {@code hold} unless null. */
    private static Request stream(String id, String hold) {
        Request.Builder b = new Request.Builder().url(url + "/api/generate").header("X-Test-Id", id)
                .header("X-Sim-Prefill-Ms", "20").header("X-Sim-Gen-Ms", "200")
                .header("X-Sim-Output-Tokens", "10")
                .post(RequestBody.create(JSON, AppSupport.generateBody(true)));
        return (hold == null ? b : b.header(SimGates.HOLD, hold)).build();
    }

    /**
     * The batch call is cut by the stream and sent again: continued ({@code chat}, {@code openai})
     * or from zero ({@code restart}). Prints what the application got.
     */
    static void preempted(String scenario) throws Exception {
        String id = "be-" + scenario;
        long before = (Long) AppSupport.mbean("Preemptions");
        Call call = CLIENT.newCall(batch(scenario, id));
        Thread batch = start("batch", () -> {
            Answer a = send(call);
            try (Response r = a.response) {
                byte[] body = r.body().bytes();
                System.out.println("BE-STATUS-" + scenario + " " + r.code());
                System.out.println("BE-CONTENT-TYPE-" + scenario + " " + r.header("Content-Type"));
                System.out.println("BE-CONTENT-LENGTH-" + scenario + " " + r.header("Content-Length") + " "
                        + r.body().contentLength());
                System.out.println("BE-BODY-LENGTH-" + scenario + " " + body.length);
                System.out.println("BE-BODY-" + scenario + " " + Base64.getEncoder().encodeToString(body));
                System.out.println("BE-SAME-CALL-" + scenario + " " + (a.call == call));
            }
        });
        Thread user = null;
        try {
            awaitProgress(id, SimGates.PREEMPT_AT);
            user = start("user", () -> {
                try (Response r = send(CLIENT.newCall(stream("rt-" + scenario, null))).response;
                     BufferedReader lines = new BufferedReader(new InputStreamReader(r.body().byteStream(), StandardCharsets.UTF_8))) {
                    System.out.println("RT-LINES-" + scenario + " " + lines.lines().count());
                }
            });
            AppSupport.awaitCondition(() -> (Long) AppSupport.mbean("Preemptions") > before, id + " preempted");
        } finally {
            SimGates.open(gateUrl, id); // the paused batch call goes on (its first attempt is cut by now)
        }
        batch.join();
        user.join();
    }

    /**
     * The batch call is cut by a stream (held at the server, keeping its slot, until the test's gate
     * {@code rt-cancel} opens) and waits for a slot again; the application cancels it there. It must
     * end at once (the stream still runs), with OkHttp's "Canceled".
     */
    static void cancelWhileWaiting() throws Exception {
        String id = "be-cancel";
        Call call = CLIENT.newCall(batch("chat", id));
        CompletableFuture<String> ended = new CompletableFuture<>();
        Thread batch = start("batch", () -> {
            try {
                send(call).response.close();
                ended.complete("answered");
            } catch (IOException e) {
                ended.complete(e.getClass().getName() + ": " + e.getMessage());
            }
        });
        Thread user = null;
        try {
            awaitProgress(id, SimGates.PREEMPT_AT);
            user = start("user", () -> {
                try (Response r = send(CLIENT.newCall(stream("rt-cancel", "rt-cancel"))).response) {
                    r.body().string();
                }
            });
            AppSupport.awaitCondition(() -> (Integer) AppSupport.mbean("BeQueued") == 1
                    && (Integer) AppSupport.mbean("RtInFlight") == 1, "the batch call waiting for a slot again");
            call.cancel();
            System.out.println("CANCELLED " + ended.get(10, TimeUnit.SECONDS));
            System.out.println("CANCELLED-RT-RUNNING " + ((Integer) AppSupport.mbean("RtInFlight") == 1));
            System.out.println("CANCELLED-IS-CANCELED " + call.isCanceled());
        } finally {
            SimGates.open(gateUrl, id);
            SimGates.open(gateUrl, "rt-cancel");
        }
        batch.join();
        user.join();
    }

    /**
     * A read timeout shorter than the answer takes: as a non-streaming call would, the call fails
     * with OkHttp's read timeout, though its stream under the hood sends a token every 20 ms.
     */
    static void readTimeout() throws Exception {
        OkHttpClient impatient = CLIENT.newBuilder().readTimeout(1, TimeUnit.SECONDS).build();
        try {
            send(impatient.newCall(batchBuilder("chat", "be-read-timeout")
                    .header("X-Sim-Gen-Ms", Integer.toString(SLOW_GEN_MS)).build())).response.close();
            System.out.println("READ-TIMEOUT answered");
        } catch (IOException e) {
            System.out.println("READ-TIMEOUT " + e.getClass().getName() + ": " + e.getMessage());
        }
    }

    /** A response and the call it was handed with (enqueue's callback gets one). */
    private static final class Answer {
        final Call call;
        final Response response;

        Answer(Call call, Response response) {
            this.call = call;
            this.response = response;
        }
    }

    private static Answer send(Call call) throws IOException {
        if (!async) {
            return new Answer(call, call.execute());
        }
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                answer.completeExceptionally(e);
            }

            @Override
            public void onResponse(Call c, Response r) {
                answer.complete(new Answer(c, r));
            }
        });
        try {
            return answer.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException ? (IOException) e.getCause() : new IOException(e.getCause());
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** Waits until the server has generated {@code tokens} of the request {@code id}'s first attempt. */
    private static void awaitProgress(String id, int tokens) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create(probe + "?id=" + id)).build();
        AppSupport.awaitCondition(() -> Integer.parseInt(PROBE.send(get, BodyHandlers.ofString()).body().trim()) >= tokens,
                id + " " + tokens + " tokens in");
    }
}
