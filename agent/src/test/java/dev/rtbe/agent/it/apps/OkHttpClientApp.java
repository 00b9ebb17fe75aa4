package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.start;
import static dev.rtbe.agent.it.apps.AppSupport.awaitQueued;
import static dev.rtbe.agent.it.apps.AppSupport.awaitInFlight;
import static dev.rtbe.agent.it.apps.AppSupport.awaitIdleAndReport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * A plain OkHttp application (compiled against OkHttp 4, run against 4.x or 3.x); it knows
 * nothing of the agent. {@code main(url, port1, port2, scenario...)}: each scenario runs blocking
 * ({@code execute}) and asynchronous ({@code enqueue}) calls, prints {@code KEY value} lines, and
 * the agent's state afterwards ({@code STATE-<scenario>}). Requests carry {@code X-Test-Id}s so
 * the test can find them in the simulator's records.
 */
public final class OkHttpClientApp {
    private static final MediaType JSON = MediaType.parse("application/json");
    private static final OkHttpClient CLIENT = new OkHttpClient.Builder().readTimeout(30, TimeUnit.SECONDS).build();
    private static final String[] MODES = {"sync", "async"};

    private static String url;
    private static int spareA;
    private static int spareB;

    public static void main(String[] args) throws Exception {
        url = args[0];
        spareA = Integer.parseInt(args[1]);
        spareB = Integer.parseInt(args[2]);
        System.out.println("OKHTTP " + Call.class.getProtectionDomain().getCodeSource().getLocation().getPath()
                .replaceAll(".*/", ""));
        for (int i = 3; i < args.length; i++) {
            run(args[i]);
            awaitIdleAndReport();
            System.out.println("SCENARIO-DONE " + args[i]);
        }
        System.out.flush();
        System.exit(0); // OkHttp's dispatcher threads are not daemons: they would keep the JVM up for a minute
    }

    private static void run(String scenario) throws Exception {
        for (String mode : MODES) {
            boolean async = mode.equals("async");
            switch (scenario) {
                case "hold-stream": holdStream(mode, async); break;
                case "timeout": timeout(mode, async); break;
                case "cancel-in-flight": cancelInFlight(mode, async); break;
                case "classify": classify(mode, async); break;
                case "layered": layered(mode, async); break;
                case "concurrent": concurrent(mode, async, 4); break;
                case "interrupt": if (!async) interrupt(mode); break;
                default: throw new IllegalArgumentException(scenario);
            }
        }
    }

    /** One slot: a slow stream read to its end holds the slot; a batch call waits for it. */
    static void holdStream(String mode, boolean async) throws Exception {
        String p = "hold-" + mode + "-";
        Thread stream = start("user", () -> {
            try (InputStream in = exec(generate(true, 10, 400, p + "rt"), async).body().byteStream()) {
                while (in.read() >= 0) {
                    // byte by byte: many small reads through the gated source
                }
            }
        });
        awaitInFlight(1);
        Thread batch = start("batch", () -> text(exec(generate(false, 10, 10, p + "be"), async)));
        stream.join();
        batch.join();
    }

    /**
     * One slot held: a call whose call timeout passes while it waits fails as OkHttp reports
     * timeouts. Then a read timeout in the middle of a stream.
     */
    static void timeout(String mode, boolean async) throws Exception {
        String p = "timeout-" + mode + "-";
        Thread holder = start("holder", () -> text(exec(generate(false, 10, 1500, p + "holder"), async)));
        awaitInFlight(1);
        OkHttpClient impatient = CLIENT.newBuilder().callTimeout(200, TimeUnit.MILLISECONDS).build();
        try {
            execOn(impatient, generate(false, 1, 1, p + "queued"), async).close();
            System.out.println("TIMEOUT-" + mode + " none");
        } catch (IOException e) {
            System.out.println("TIMEOUT-" + mode + " " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        holder.join();
        OkHttpClient slowReader = CLIENT.newBuilder().readTimeout(300, TimeUnit.MILLISECONDS).build();
        Request stalls = generate(true, 10, 4000, p + "read").newBuilder().header("X-Sim-Output-Tokens", "2").build();
        try {
            text(execOn(slowReader, stalls, async));
            System.out.println("READ-TIMEOUT-" + mode + " none");
        } catch (IOException e) {
            System.out.println("READ-TIMEOUT-" + mode + " " + e.getClass().getSimpleName());
        }
    }

    /** A stream cancelled while the application reads it: the slot comes back without a close. */
    static void cancelInFlight(String mode, boolean async) throws Exception {
        Call call = CLIENT.newCall(generate(true, 10, 2000, "cancel-in-flight-" + mode));
        Response r = exec(call, async);
        new BufferedReader(new InputStreamReader(r.body().byteStream(), StandardCharsets.UTF_8)).readLine();
        call.cancel();
        awaitInFlight(0);
        System.out.println("CANCEL-IN-FLIGHT-" + mode + " " + AppSupport.inFlight());
        r.close();
    }

    /** A blocking call interrupted while it waits: OkHttp's InterruptedIOException, status still set. */
    static void interrupt(String mode) throws Exception {
        Thread holder = start("holder", () -> text(exec(generate(false, 10, 1000, "interrupt-holder"), false)));
        awaitInFlight(1);
        CompletableFuture<String> outcome = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                CLIENT.newCall(generate(false, 1, 1, "interrupted")).execute().close();
                outcome.complete("none");
            } catch (IOException e) {
                outcome.complete(e.getClass().getSimpleName() + " stillInterrupted=" + Thread.currentThread().isInterrupted());
            }
        }, "waiter");
        waiter.start();
        awaitQueued(1);
        waiter.interrupt();
        System.out.println("INTERRUPT " + outcome.get(20, TimeUnit.SECONDS));
        holder.join();
    }

    /** The classification header: used by the agent, never sent (unless stripping is off). */
    static void classify(String mode, boolean async) throws Exception {
        Request rt = generate(false, 1, 1, "classify-" + mode).newBuilder().header("X-Rtbe-Priority", "rt").build();
        System.out.println("CLASSIFY-" + mode + " " + text(exec(rt, async)).contains("\"done\":true"));
    }

    /**
     * Layers inside one logical call: an application interceptor that tries the exchange twice
     * and makes a nested call of its own to the endpoint. With one slot, gating any inner layer
     * again would wait for the outer call's slot forever (the inner client's call timeout ends that).
     */
    static void layered(String mode, boolean async) throws Exception {
        OkHttpClient inner = CLIENT.newBuilder().callTimeout(5, TimeUnit.SECONDS).build();
        OkHttpClient layeredClient = CLIENT.newBuilder().addInterceptor(chain -> {
            chain.proceed(chain.request()).close(); // a first try the interceptor throws away
            try (Response nested = inner.newCall(generate(false, 1, 1, "layered-" + mode + "-nested")).execute()) {
                System.out.println("NESTED-" + mode + " " + nested.code() + " " + nested.body().string().contains("\"done\":true"));
            }
            return chain.proceed(chain.request());
        }).build();
        Response r = execOn(layeredClient, generate(false, 1, 1, "layered-" + mode), async);
        System.out.println("LAYERED-" + mode + " " + r.code() + " " + text(r).contains("\"done\":true"));
    }

    /** n calls at once (for hosts the agent must leave alone). */
    static void concurrent(String mode, boolean async, int n) throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "concurrent-" + mode + "-" + i;
            threads.add(start("batch-" + i, () -> text(exec(generate(false, 10, 300, id), async))));
        }
        joinAll(threads);
    }

    static Request generate(boolean stream, long prefillMs, long genMs, String id) {
        return generateAt(url, stream, prefillMs, genMs, id);
    }

    static Request generateAt(String base, boolean stream, long prefillMs, long genMs, String id) {
        return new Request.Builder().url(base + "/api/generate")
                .header("X-Sim-Prefill-Ms", Long.toString(prefillMs))
                .header("X-Sim-Gen-Ms", Long.toString(genMs))
                .header("X-Sim-Output-Tokens", "10")
                .header("X-Test-Id", id)
                .post(RequestBody.create(JSON, AppSupport.generateBody(stream)))
                .build();
    }

    static Response exec(Request request, boolean async) throws IOException {
        return execOn(CLIENT, request, async);
    }

    static Response execOn(OkHttpClient client, Request request, boolean async) throws IOException {
        return exec(client.newCall(request), async);
    }

    /** {@code execute()}, or {@code enqueue} with a callback the calling thread waits on. */
    static Response exec(Call call, boolean async) throws IOException {
        if (!async) {
            return call.execute();
        }
        CompletableFuture<Response> response = new CompletableFuture<>();
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                response.completeExceptionally(e);
            }

            @Override
            public void onResponse(Call c, Response r) {
                response.complete(r);
            }
        });
        try {
            return response.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException ? (IOException) e.getCause() : new IOException(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new IOException(e);
        }
    }

    static String text(Response response) throws IOException {
        try (ResponseBody body = response.body()) {
            return body.string();
        }
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

}
