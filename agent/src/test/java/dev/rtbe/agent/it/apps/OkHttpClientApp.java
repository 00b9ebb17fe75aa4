package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.drainRequestHead;
import static dev.rtbe.agent.it.apps.AppSupport.start;
import static dev.rtbe.agent.it.apps.AppSupport.awaitQueued;
import static dev.rtbe.agent.it.apps.AppSupport.awaitInFlight;
import static dev.rtbe.agent.it.apps.AppSupport.awaitIdleAndReport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
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
                case "flood": flood(mode, async); break;
                case "overtake": overtake(mode, async); break;
                case "hold-stream": holdStream(mode, async); break;
                case "early-close": earlyClose(mode, async); break;
                case "reader-throws": readerThrows(mode, async); break;
                case "reset": reset(mode, async); break;
                case "refused": refused(mode, async); break;
                case "timeout": timeout(mode, async); break;
                case "cancel-queued": cancelQueued(mode, async); break;
                case "cancel-in-flight": cancelInFlight(mode, async); break;
                case "classify": classify(mode, async); break;
                case "layered": layered(mode, async); break;
                case "redirect": redirect(mode, async); break;
                case "concurrent": concurrent(mode, async, 4); break;
                case "interrupt": if (!async) interrupt(mode); break;
                default: throw new IllegalArgumentException(scenario);
            }
        }
    }

    /** 6 batch calls and 2 streams at once. */
    static void flood(String mode, boolean async) throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = "flood-" + mode + "-be-" + i;
            threads.add(start("batch-" + i, () -> text(exec(generate(false, 20, 150, id), async))));
        }
        Thread.sleep(30); // let the batch calls queue up first: an ordering nudge, not a synchronisation
        for (int i = 0; i < 2; i++) {
            String id = "flood-" + mode + "-rt-" + i;
            threads.add(start("user-" + i, () -> text(exec(generate(true, 20, 150, id), async))));
        }
        joinAll(threads);
    }

    /** With one slot: a long BE runs, 4 BE queue, then one RT (a stream) arrives; RT must go next. */
    static void overtake(String mode, boolean async) throws Exception {
        String p = "overtake-" + mode + "-";
        List<Thread> threads = new ArrayList<>();
        threads.add(start("batch-first", () -> text(exec(generate(false, 10, 400, p + "be-0"), async))));
        awaitInFlight(1);
        for (int i = 1; i <= 4; i++) {
            String id = p + "be-" + i;
            threads.add(start("batch-" + i, () -> text(exec(generate(false, 10, 50, id), async))));
        }
        awaitQueued(4);
        threads.add(start("user", () -> text(exec(generate(true, 10, 50, p + "rt"), async))));
        joinAll(threads);
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

    /** Read the first line of a stream, close it: the slot must come back at once. */
    static void earlyClose(String mode, boolean async) throws Exception {
        Response r = exec(generate(true, 10, 2000, "early-close-" + mode), async);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(r.body().byteStream(), StandardCharsets.UTF_8))) {
            System.out.println("FIRST-" + mode + " " + (reader.readLine() != null));
        }
        awaitInFlight(0);
        System.out.println("AFTER-CLOSE-" + mode + " " + AppSupport.inFlight());
    }

    /**
     * The application throws while reading. Blocking: inside try-with-resources. Asynchronous:
     * from its callback, leaving the body open (OkHttp cancels the call).
     */
    static void readerThrows(String mode, boolean async) throws Exception {
        Request request = generate(true, 10, 2000, "reader-throws-" + mode);
        if (!async) {
            try (ResponseBody body = CLIENT.newCall(request).execute().body()) {
                new BufferedReader(new InputStreamReader(body.byteStream(), StandardCharsets.UTF_8)).readLine();
                throw new IllegalStateException("application bug while reading");
            } catch (IllegalStateException expected) {
                System.out.println("THREW-" + mode + " " + expected.getMessage());
            }
            return;
        }
        CountDownLatch threw = new CountDownLatch(1);
        CLIENT.newCall(request).enqueue(new Callback() {
            @Override
            public void onFailure(Call call, IOException e) {
                System.out.println("ERROR unexpected failure " + e);
            }

            @Override
            public void onResponse(Call call, Response response) throws IOException {
                new BufferedReader(new InputStreamReader(response.body().byteStream(), StandardCharsets.UTF_8)).readLine();
                threw.countDown();
                throw new IllegalStateException("application bug while reading (expected in this test)");
            }
        });
        threw.await(20, TimeUnit.SECONDS);
        awaitInFlight(0);
        System.out.println("THREW-" + mode + " released");
    }

    /** A server on an endpoint port that sends half a stream and resets the connection. */
    static void reset(String mode, boolean async) throws Exception {
        try (ServerSocket server = new ServerSocket(spareA)) {
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
                text(exec(generateAt("http://127.0.0.1:" + spareA, true, 1, 1, "reset"), async));
                System.out.println("RESET-" + mode + " none");
            } catch (IOException e) {
                System.out.println("RESET-" + mode + " IOException");
            }
            peer.join();
        }
    }

    static void refused(String mode, boolean async) throws Exception {
        try {
            exec(generateAt("http://127.0.0.1:" + spareB, false, 1, 1, "refused"), async).close();
            System.out.println("REFUSED-" + mode + " none");
        } catch (IOException e) {
            System.out.println("REFUSED-" + mode + " " + e.getClass().getSimpleName());
        }
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

    /** One slot held; a call cancelled while it waits leaves the queue and is never sent. */
    static void cancelQueued(String mode, boolean async) throws Exception {
        Thread holder = start("holder", () -> text(exec(generate(false, 10, 800, "cancel-holder-" + mode), async)));
        awaitInFlight(1);
        Call call = CLIENT.newCall(generate(false, 1, 1, "cancelled-" + mode));
        CompletableFuture<String> outcome = new CompletableFuture<>();
        Thread waiter = start("waiter", () -> {
            try {
                exec(call, async).close();
                outcome.complete("sent");
            } catch (IOException e) {
                outcome.complete(e.getClass().getSimpleName() + " " + e.getMessage());
            }
        });
        awaitQueued(1);
        call.cancel();
        System.out.println("CANCEL-" + mode + " " + outcome.get(20, TimeUnit.SECONDS) + " queued=" + AppSupport.queued());
        waiter.join();
        holder.join();
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

    /** A redirecting endpoint in front of the simulator: OkHttp follows it inside the one call. */
    static void redirect(String mode, boolean async) throws Exception {
        try (ServerSocket server = new ServerSocket(spareA)) {
            Thread peer = start("redirector", () -> {
                try (Socket s = server.accept()) {
                    drainRequestHead(s.getInputStream());
                    s.getOutputStream().write(("HTTP/1.1 302 Found\r\nLocation: " + url + "/api/tags\r\n"
                            + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                }
            });
            Request get = new Request.Builder().url("http://127.0.0.1:" + spareA + "/api/tags").build();
            Response r = exec(get, async);
            System.out.println("REDIRECT-" + mode + " " + r.code() + " " + text(r).contains("\"models\""));
            peer.join();
        }
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
