package dev.rtbe.bench.overhead;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Agent on versus off, side by side in one run: the same client workload in forked JVMs against
 * a local keep-alive server that answers at once, alternating on/off rounds so machine noise hits
 * both alike; then JVM start-up with and without the agent, alternating too: a JVM that only
 * prints "ok" ({@link Noop}) and one that makes a single gated call ({@link OneCall}), each with
 * its wall time, CPU time (user + system, from the children's times in /proc/self/stat) and peak
 * resident memory. Reports medians (and p99 per call), and the differences. Several agent jars,
 * comma-separated, are measured side by side (e.g. a build before and after a change).
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar dev.rtbe.bench.overhead.AgentOverhead
 * [agentJar[,agentJar...]] [rounds] [callsPerRound] [warmupCalls] [extraAgentSettings]};
 * {@code callsPerRound} 0 measures start-up only. A jar may carry settings of its own after
 * {@code @}, separated by {@code ;} ({@code agent.jar@preemption=transparent}), so one jar runs
 * side by side with different settings.
 */
public final class AgentOverhead {
    private static final String BODY = "{\"model\":\"m\",\"created_at\":\"2026-01-01T00:00:00Z\",\"response\":\"hi\","
            + "\"done\":true,\"done_reason\":\"stop\",\"total_duration\":1,\"eval_count\":1}\n";

    /** Only the workload classes: benchmarks.jar embeds the agent's classes for the JMH benchmarks. */
    private static final String FORK_CLASS_PATH = System.getProperty("rtbe.bench.classes", "benchmarks/target/classes");
    /**
     * Extra JVM options for every forked JVM, split at spaces (e.g. a flight recording to profile the
     * agent's JVMs: {@code -Drtbe.bench.fork-options=-XX:StartFlightRecording=filename=/tmp/call.jfr}).
     */
    private static final String FORK_OPTIONS = System.getProperty("rtbe.bench.fork-options", "");
    /** Linux's USER_HZ: the unit of the times in /proc/self/stat. */
    private static final double TICKS_PER_SECOND = 100;

    private AgentOverhead() {}

    /** One forked start-up: wall and CPU in nanoseconds, peak memory in KiB (-1 if unknown). */
    private static final class Start {
        final long wall;
        final long cpu;
        final long peakKb;

        Start(long wall, long cpu, long peakKb) {
            this.wall = wall;
            this.cpu = cpu;
            this.peakKb = peakKb;
        }
    }

    public static void main(String[] args) throws Exception {
        List<Path> agents = new ArrayList<>();
        List<String> ownSettings = new ArrayList<>();
        for (String entry : (args.length > 0 ? args[0] : "agent/target/rtbe-agent.jar").split(",")) {
            int at = entry.indexOf('@');
            agents.add(Paths.get(at < 0 ? entry : entry.substring(0, at)).toAbsolutePath());
            ownSettings.add(at < 0 ? "" : "," + entry.substring(at + 1).replace(';', ','));
        }
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
        String settings = "endpoints=127.0.0.1:" + server.getAddress().getPort() + ",slots.total=4" + extraSettings;
        List<String> agentArgs = new ArrayList<>();
        for (int a = 0; a < agents.size(); a++) {
            agentArgs.add("-javaagent:" + agents.get(a) + "=" + settings + ownSettings.get(a));
        }
        try {
            if (calls > 0) {
                perCall(labels(agents, ownSettings), agentArgs, settings, url, rounds, warmup, calls);
            }
            startUp(labels(agents, ownSettings), agentArgs, url, rounds);
        } finally {
            server.stop(0);
        }
    }

    /** Each jar's file name, with its own settings if it has any. */
    private static List<String> labels(List<Path> agents, List<String> ownSettings) {
        List<String> labels = new ArrayList<>();
        for (int a = 0; a < agents.size(); a++) {
            String own = ownSettings.get(a);
            labels.add(agents.get(a).getFileName() + (own.isEmpty() ? "" : " (+" + own.substring(1) + ")"));
        }
        return labels;
    }

    private static void perCall(List<String> agents, List<String> agentArgs, String settings, String url, int rounds,
                                int warmup, int calls) throws IOException, InterruptedException {
        List<Long> off = new ArrayList<>();
        List<Long> offCpu = new ArrayList<>();
        List<List<Long>> on = new ArrayList<>();
        List<List<Long>> onCpu = new ArrayList<>();
        for (int a = 0; a < agents.size(); a++) {
            on.add(new ArrayList<>());
            onCpu.add(new ArrayList<>());
        }
        for (int round = 0; round < rounds; round++) {
            runClient(null, url, warmup, calls, off, offCpu);
            for (int a = 0; a < agents.size(); a++) {
                runClient(agentArgs.get(a), url, warmup, calls, on.get(a), onCpu.get(a));
            }
        }
        System.out.printf(Locale.ROOT, "per call (%d calls each, %d alternating rounds, after %d warm-up calls per JVM;"
                + " agent settings %s)%n", off.size(), rounds, warmup, settings);
        System.out.printf(Locale.ROOT, "  agent off: median %.1f us, p99 %.1f us; cpu per call %.1f us%n",
                pct(off, 50), pct(off, 99), pct(offCpu, 50));
        for (int a = 0; a < agents.size(); a++) {
            List<Long> o = on.get(a);
            System.out.printf(Locale.ROOT, "  %s: median %.1f us, p99 %.1f us; added median %.1f us, p99 %.1f us"
                            + " (ratio on/off median %.3f); cpu per call %.1f us (added %.1f us)%n",
                    agents.get(a), pct(o, 50), pct(o, 99),
                    pct(o, 50) - pct(off, 50), pct(o, 99) - pct(off, 99), pct(o, 50) / pct(off, 50),
                    pct(onCpu.get(a), 50), pct(onCpu.get(a), 50) - pct(offCpu, 50));
        }
    }

    private static void startUp(List<String> agents, List<String> agentArgs, String url, int rounds)
            throws IOException, InterruptedException {
        for (Class<?> main : List.of(Noop.class, OneCall.class)) {
            String[] mainArgs = main == OneCall.class ? new String[] {url} : new String[0];
            List<Start> off = new ArrayList<>();
            List<List<Start>> on = new ArrayList<>();
            for (int a = 0; a < agents.size(); a++) {
                on.add(new ArrayList<>());
            }
            for (int i = 0; i < 2 * rounds; i++) {
                off.add(startup(null, main, mainArgs));
                for (int a = 0; a < agents.size(); a++) {
                    on.get(a).add(startup(agentArgs.get(a), main, mainArgs));
                }
            }
            System.out.printf(Locale.ROOT, "JVM start-up, %s (%d alternating runs each; medians):%n",
                    main == Noop.class ? "prints \"ok\" only" : "one gated call", off.size());
            System.out.printf(Locale.ROOT, "  agent off: wall %.0f ms, cpu %.0f ms, peak rss %.1f MiB%n",
                    ms(median(off, s -> s.wall)), ms(median(off, s -> s.cpu)), mib(median(off, s -> s.peakKb)));
            for (int a = 0; a < agents.size(); a++) {
                List<Start> o = on.get(a);
                System.out.printf(Locale.ROOT, "  %s: wall %.0f ms (+%.0f), cpu %.0f ms (+%.0f),"
                                + " peak rss %.1f MiB (+%.1f)%n", agents.get(a),
                        ms(median(o, s -> s.wall)), ms(median(o, s -> s.wall) - median(off, s -> s.wall)),
                        ms(median(o, s -> s.cpu)), ms(median(o, s -> s.cpu) - median(off, s -> s.cpu)),
                        mib(median(o, s -> s.peakKb)), mib(median(o, s -> s.peakKb) - median(off, s -> s.peakKb)));
            }
        }
    }

    /** One forked client: adds its per-call latencies (ns) and its CPU time per call (ns, median across rounds). */
    private static void runClient(String agentArg, String url, int warmup, int calls, List<Long> latencies,
                                  List<Long> cpuPerCall) throws IOException, InterruptedException {
        String out = fork(agentArg, OverheadClient.class, url, Integer.toString(warmup), Integer.toString(calls));
        for (String line : out.split("\n")) {
            String t = line.trim();
            if (t.startsWith("cpu ")) {
                cpuPerCall.add(Long.parseLong(t.substring(4)) / calls);
            } else if (!t.isEmpty() && Character.isDigit(t.charAt(0))) { // not a line the JVM itself logged (JFR)
                latencies.add(Long.parseLong(t));
            }
        }
    }

    private static Start startup(String agentArg, Class<?> main, String... args)
            throws IOException, InterruptedException {
        long cpuBefore = childrenCpuNanos();
        long start = System.nanoTime();
        String out = fork(agentArg, main, args);
        long wall = System.nanoTime() - start;
        long peak = -1;
        for (String line : out.split("\n")) {
            if (line.startsWith(PeakMemory.KEY + " ")) {
                peak = Long.parseLong(line.substring(PeakMemory.KEY.length() + 1).trim());
            }
        }
        return new Start(wall, childrenCpuNanos() - cpuBefore, peak);
    }

    /**
     * User + system time of this JVM's finished children (fields 16 and 17 of /proc/self/stat):
     * the difference around one fork is that JVM's CPU time, start-up and exit included.
     */
    private static long childrenCpuNanos() throws IOException {
        Path stat = Paths.get("/proc/self/stat");
        if (!Files.exists(stat)) {
            return 0;
        }
        String s = Files.readString(stat);
        String[] fields = s.substring(s.lastIndexOf(')') + 2).split(" "); // fields from the 3rd on
        long ticks = Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
        return (long) (ticks / TICKS_PER_SECOND * 1e9);
    }

    private static String fork(String agentArg, Class<?> main, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xshare:auto");
        for (String option : FORK_OPTIONS.trim().split(" +")) {
            if (!option.isEmpty()) {
                command.add(option);
            }
        }
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

    private static long median(List<Start> values, ToLongFunction<Start> field) {
        long[] sorted = values.stream().mapToLong(field).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static double mib(long kib) {
        return kib / 1024.0;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

}
