package dev.rtbe.bench.overhead;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Agent on versus off, side by side in one run: the same client workload in forked JVMs against
 * a local keep-alive server that answers at once, alternating on/off rounds so machine noise hits
 * both alike; then JVM start-up with and without the agent, alternating too. Reports medians and
 * p99, and the differences.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar dev.rtbe.bench.overhead.AgentOverhead
 * [agentJar] [rounds] [callsPerRound] [warmupCalls] [extraAgentSettings]}
 */
public final class AgentOverhead {
    private static final String BODY = "{\"model\":\"m\",\"created_at\":\"2026-01-01T00:00:00Z\",\"response\":\"hi\","
            + "\"done\":true,\"done_reason\":\"stop\",\"total_duration\":1,\"eval_count\":1}\n";

    /** Only the workload classes: benchmarks.jar embeds the agent's classes for the JMH benchmarks. */
    private static final String FORK_CLASS_PATH = System.getProperty("rtbe.bench.classes", "benchmarks/target/classes");

    private AgentOverhead() {}

    public static void main(String[] args) throws Exception {
        Path agent = Paths.get(args.length > 0 ? args[0] : "agent/target/rtbe-agent.jar").toAbsolutePath();
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        int calls = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 5000;
        String extraSettings = args.length > 4 ? "," + args[4] : "";
        // Without TCP_NODELAY the JDK server's separate header and body writes meet delayed ACKs:
        // 40 ms per call, which would drown what we measure.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "overhead-server");
            t.setDaemon(true); // the benchmark's JVM ends when its main thread does
            return t;
        }));
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        String agentArg = "-javaagent:" + agent + "=endpoints=127.0.0.1:" + server.getAddress().getPort()
                + ",slots.total=4" + extraSettings;
        try {
            List<Long> off = new ArrayList<>();
            List<Long> on = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                off.addAll(runClient(null, url, warmup, calls));
                on.addAll(runClient(agentArg, url, warmup, calls));
            }
            System.out.printf(Locale.ROOT, "per call (%d calls each, %d alternating rounds, after %d warm-up calls per JVM;"
                    + " agent settings %s)%n", off.size(), rounds, warmup, agentArg.substring(agentArg.indexOf('=') + 1));
            System.out.printf(Locale.ROOT, "  agent off: median %.1f us, p99 %.1f us%n", pct(off, 50), pct(off, 99));
            System.out.printf(Locale.ROOT, "  agent on:  median %.1f us, p99 %.1f us%n", pct(on, 50), pct(on, 99));
            System.out.printf(Locale.ROOT, "  added:     median %.1f us, p99 %.1f us (ratio on/off median %.3f)%n",
                    pct(on, 50) - pct(off, 50), pct(on, 99) - pct(off, 99), pct(on, 50) / pct(off, 50));
        } finally {
            server.stop(0);
        }
        List<Long> startOff = new ArrayList<>();
        List<Long> startOn = new ArrayList<>();
        for (int i = 0; i < 2 * rounds; i++) {
            startOff.add(startup(null));
            startOn.add(startup("-javaagent:" + agent));
        }
        System.out.printf(Locale.ROOT, "JVM start-up (%d alternating runs each): off median %.0f ms, on median %.0f ms,"
                        + " added %.0f ms (ratio %.2f)%n", startOff.size(), ms(median(startOff)), ms(median(startOn)),
                ms(median(startOn) - median(startOff)), (double) median(startOn) / median(startOff));
    }

    private static List<Long> runClient(String agentArg, String url, int warmup, int calls)
            throws IOException, InterruptedException {
        String out = fork(agentArg, OverheadClient.class, url, Integer.toString(warmup), Integer.toString(calls));
        List<Long> latencies = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                latencies.add(Long.parseLong(line.trim()));
            }
        }
        return latencies;
    }

    private static long startup(String agentArg) throws IOException, InterruptedException {
        long start = System.nanoTime();
        fork(agentArg, Noop.class);
        return System.nanoTime() - start;
    }

    private static String fork(String agentArg, Class<?> main, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xshare:auto");
        if (agentArg != null) {
            command.add(agentArg);
        }
        command.add("-cp");
        command.add(FORK_CLASS_PATH);
        command.add(main.getName());
        command.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("forked JVM failed: " + command);
        }
        return out;
    }

    private static double pct(List<Long> values, int percentile) {
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1000.0;
    }

    private static long median(List<Long> values) {
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

}
