package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.start;
import static dev.rtbe.agent.it.apps.AppSupport.awaitQueued;
import static dev.rtbe.agent.it.apps.AppSupport.awaitInFlight;
import static dev.rtbe.agent.it.apps.AppSupport.awaitIdleAndReport;
import static dev.rtbe.agent.it.apps.AppSupport.generateBody;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A plain application using {@code new URL(...).openConnection()}; it knows nothing of the agent.
 * Each scenario prints {@code KEY value} lines for the test, and the agent's state at the end.
 */
public final class UrlConnectionApp {
    public static void main(String[] args) throws Exception {
        String url = args[1];
        warmUpJmx(url);
        switch (args[0]) {
            case "hold-stream": holdStream(url); break;
            case "early-close": earlyClose(url); break;
            case "reader-throws": readerThrows(url); break;
            case "timeouts": timeouts(url); break;
            case "interrupt": interrupt(url); break;
            case "disconnect": disconnect(url); break;
            case "streaming-mode": streamingMode(url); break;
            case "error-status": errorStatus(url); break;
            case "dropped": dropped(url); break;
            case "concurrent": concurrent(url, Integer.parseInt(args[2])); break;
            default: throw new IllegalArgumentException(args[0]);
        }
        awaitIdleAndReport();
    }

    /**
     * The first poll of the agent's state (JMX, lambdas, class loading) can take longer than a short
     * call on a busy machine: done once first, so that polling never misses a call in flight. The
     * agent starts (and registers its view) when the client's first class loads: opening a
     * connection, which sends nothing, does that.
     */
    private static void warmUpJmx(String url) throws Exception {
        new URL(url).openConnection();
        if (AppSupport.agentRunning()) {
            awaitInFlight(0);
            awaitQueued(0);
        }
    }

    /** One slot: a slow stream read to its end holds it; a batch call waits. */
    static void holdStream(String url) throws Exception {
        Thread stream = start("user", () -> readAll(post(url, true, 10, 1000, "X-Test-Id", "rt")));
        awaitInFlight(1);
        Thread batch = start("batch", () -> readAll(post(url, false, 10, 10, "X-Test-Id", "be")));
        join(List.of(stream, batch));
    }

    static void earlyClose(String url) throws Exception {
        HttpURLConnection c = post(url, true, 10, 2000);
        try (BufferedReader reader = lines(c.getInputStream())) {
            System.out.println("FIRST " + (reader.readLine() != null));
        }
        awaitInFlight(0);
        System.out.println("AFTER-CLOSE " + AppSupport.inFlight());
        HttpURLConnection next = post(url, false, 1, 1);
        readAll(next);
        System.out.println("NEXT " + next.getResponseCode());
    }

    static void readerThrows(String url) throws Exception {
        HttpURLConnection c = post(url, true, 10, 2000);
        try (BufferedReader reader = lines(c.getInputStream())) {
            reader.lines().forEach(line -> {
                throw new IllegalStateException("application bug while reading");
            });
        } catch (IllegalStateException expected) {
            System.out.println("THREW " + expected.getMessage());
        }
    }

    /** The connect timeout bounds the queue wait; a read timeout mid-stream ends the call. */
    static void timeouts(String url) throws Exception {
        Thread holder = start("holder", () -> readAll(post(url, false, 10, 1500)));
        awaitInFlight(1);
        HttpURLConnection waiting = open(url, 1, 1, "X-Test-Id", "never-sent");
        waiting.setConnectTimeout(200);
        write(waiting, generateBody(false).getBytes(StandardCharsets.UTF_8));
        try {
            waiting.getResponseCode();
            System.out.println("CONNECT-TIMEOUT none");
        } catch (SocketTimeoutException e) {
            System.out.println("CONNECT-TIMEOUT " + e.getMessage());
        }
        try {
            waiting.getInputStream();
        } catch (SocketTimeoutException e) {
            System.out.println("AGAIN " + e.getClass().getSimpleName());
        }
        holder.join();
        HttpURLConnection slow = open(url, 1, 5000, "X-Test-Id", "read-timeout");
        slow.setReadTimeout(200); // tokens come every 500 ms
        write(slow, generateBody(true).getBytes(StandardCharsets.UTF_8));
        try {
            readAll(slow);
            System.out.println("READ-TIMEOUT none");
        } catch (SocketTimeoutException e) {
            System.out.println("READ-TIMEOUT " + e.getMessage());
        }
    }

    /** A caller interrupted while it waits: InterruptedIOException, interrupt status still set. */
    static void interrupt(String url) throws Exception {
        Thread holder = start("holder", () -> readAll(post(url, false, 10, 1000)));
        awaitInFlight(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try {
                post(url, false, 1, 1, "X-Test-Id", "interrupted").getResponseCode();
                System.out.println("INTERRUPT none");
            } catch (InterruptedIOException e) {
                System.out.println("INTERRUPT InterruptedIOException stillInterrupted="
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

    /** disconnect() ends a call: mid-stream, and after only the status was read. */
    static void disconnect(String url) throws Exception {
        HttpURLConnection streaming = post(url, true, 10, 2000);
        BufferedReader reader = lines(streaming.getInputStream());
        System.out.println("FIRST " + (reader.readLine() != null));
        streaming.disconnect();
        System.out.println("MID-STREAM " + AppSupport.inFlight());
        HttpURLConnection statusOnly = post(url, false, 1, 1);
        System.out.println("STATUS " + statusOnly.getResponseCode() + " held=" + AppSupport.inFlight());
        statusOnly.disconnect();
        System.out.println("STATUS-ONLY " + AppSupport.inFlight());
    }

    /**
     * Fixed-length and chunked streaming modes: the agent holds the body written to
     * getOutputStream until the response is asked for, so the streaming rule applies; the header
     * still wins and is still stripped.
     */
    static void streamingMode(String url) throws Exception {
        byte[] body = generateBody(true).getBytes(StandardCharsets.UTF_8);
        HttpURLConnection fixed = open(url, 1, 20, "X-Test-Id", "fixed");
        fixed.setFixedLengthStreamingMode(body.length);
        write(fixed, body);
        System.out.println("FIXED " + fixed.getResponseCode() + " " + countLines(fixed.getInputStream()));
        HttpURLConnection chunked = open(url, 1, 20, "X-Test-Id", "chunked", "X-Rtbe-Priority", "rt");
        chunked.setChunkedStreamingMode(16);
        write(chunked, body);
        System.out.println("CHUNKED " + chunked.getResponseCode() + " " + countLines(chunked.getInputStream()));
    }

    /** Matched by a call-stack rule. */
    static final class InteractiveChat {
        private InteractiveChat() {}

        static void reply(String url) throws Exception {
            readAll(post(url, false, 1, 1));
        }
    }

    /** A 404 ends the call at once, even if the application never reads the error body. */
    static void errorStatus(String url) throws Exception {
        HttpURLConnection c = open(url, 1, 1);
        write(c, "{\"model\":\"no-such-model\",\"prompt\":\"x\",\"stream\":false}".getBytes(StandardCharsets.UTF_8));
        System.out.println("STATUS " + c.getResponseCode() + " inFlight=" + AppSupport.inFlight());
    }

    /** Only the status is read and the connection dropped: the garbage collector gives the slot back. */
    static void dropped(String url) throws Exception {
        System.out.println("STATUS " + statusThenDrop(url) + " held=" + AppSupport.inFlight());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (AppSupport.inFlight() != 0 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20); // polling a condition with a deadline
        }
        System.out.println("RECLAIMED " + AppSupport.inFlight());
    }

    private static int statusThenDrop(String url) throws IOException {
        return post(url, true, 1, 10_000).getResponseCode();
    }

    static void concurrent(String url, int n) throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            threads.add(start("batch-" + i, () -> readAll(post(url, false, 10, 300))));
        }
        join(threads);
    }

    // --- plain HttpURLConnection use, as an application writes it

    /** A generate request whose body is written through getOutputStream() (the JDK buffers it). */
    static HttpURLConnection post(String baseUrl, boolean stream, long prefillMs, long genMs, String... headers)
            throws IOException {
        HttpURLConnection c = open(baseUrl, prefillMs, genMs, headers);
        write(c, generateBody(stream).getBytes(StandardCharsets.UTF_8));
        return c;
    }

    static HttpURLConnection open(String baseUrl, long prefillMs, long genMs, String... headers) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(baseUrl + "/api/generate").openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        c.setRequestProperty("X-Sim-Prefill-Ms", Long.toString(prefillMs));
        c.setRequestProperty("X-Sim-Gen-Ms", Long.toString(genMs));
        c.setRequestProperty("X-Sim-Output-Tokens", "10");
        for (int i = 0; i < headers.length; i += 2) {
            c.setRequestProperty(headers[i], headers[i + 1]);
        }
        return c;
    }

    static void write(HttpURLConnection c, byte[] body) throws IOException {
        try (OutputStream out = c.getOutputStream()) {
            out.write(body);
        }
    }

    static void readAll(HttpURLConnection c) throws IOException {
        try (InputStream in = c.getInputStream()) {
            in.readAllBytes();
        }
    }

    static int countLines(InputStream in) throws IOException {
        try (BufferedReader reader = lines(in)) {
            return (int) reader.lines().count();
        }
    }

    static BufferedReader lines(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    static void join(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

}
