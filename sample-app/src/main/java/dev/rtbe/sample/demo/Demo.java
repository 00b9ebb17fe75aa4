package dev.rtbe.sample.demo;

import dev.rtbe.sample.demo.pools.PoolsReport;
import dev.rtbe.sample.demo.pools.PoolsRun;
import dev.rtbe.sample.demo.pools.PoolsScenario;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimulatorConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Replays the ADR-day trace five times, each run in its own JVM against a fresh simulator: (a) no agent,
 * (b) agent N=2 R=0, (c) agent N=2 R=1, (d) agent N=3 R=1 with a 3-slot server, (e) agent N=2 R=0 with
 * transparent preemption. Prints one table in unscaled seconds next to the reference figures (with the
 * server slot time wasted on aborted attempts) and writes an HTML report. Then, unless
 * {@code --scenario trace}, the pools scenario ({@link PoolsScenario}): a chat and an embedding model on
 * one server, and N learned from scratch; its table follows the first and its charts end the report.
 *
 * <pre>
 * java -jar sample-app/target/demo.jar [--scenario all|trace|pools] [--short] [--scale 100] [--run-length 3000]
 *      [--runs abcde] [--pools-runs pqrs] [--pools-scale 20] [--out DIR] [--agent agent/target/rtbe-agent.jar]
 *      [--trace CSV] [--ollama http://localhost:11434 [--model llama3.2] [--slots 2]]
 * </pre>
 */
public final class Demo {

    /** Everything a demo needs; {@link #fromArgs} fills the defaults. */
    public record Options(double scale, double runLengthS, List<RunSpec> runs, Path outDir, Path agentJar,
                          Path trace, String ollamaUrl, String model, boolean quiet) {

        public static Options fromArgs(String... args) {
            Map<String, String> a = Args.parse(args);
            boolean shortRun = a.containsKey("short");
            String ollama = a.get("ollama");
            Path root = repoRoot();
            double scale = Double.parseDouble(a.getOrDefault("scale", ollama != null ? "10" : shortRun ? "200" : "100"));
            double length = Double.parseDouble(a.getOrDefault("run-length",
                    ollama != null ? "1200" : shortRun ? "600" : "3000"));
            List<RunSpec> runs = new ArrayList<>();
            String ids = a.getOrDefault("runs", ollama != null ? "abce" : "abcde");
            int slots = Integer.parseInt(a.getOrDefault("slots", "2"));
            for (char c : ids.toCharArray()) {
                RunSpec r = RunSpec.byId(String.valueOf(c));
                runs.add(ollama != null ? r.withServerSlots(slots) : r);
            }
            Path out = a.containsKey("out") ? Path.of(a.get("out"))
                    : root != null ? root.resolve("sample-app/target/demo-report") : Path.of("demo-report");
            Path agent = a.containsKey("agent") ? Path.of(a.get("agent"))
                    : root != null ? root.resolve("agent/target/rtbe-agent.jar") : Path.of("rtbe-agent.jar");
            Path trace = a.containsKey("trace") ? Path.of(a.get("trace"))
                    : root != null ? root.resolve("../shared/bench/adr-day-trace.csv").normalize() : null;
            return new Options(scale, length, runs, out, agent, trace, ollama, a.getOrDefault("model", "llama3.2"),
                    a.containsKey("quiet"));
        }
    }

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help")) {
            System.out.println("usage: java -jar demo.jar [--scenario all|trace|pools] [--short] [--scale S]"
                    + " [--run-length SECONDS] [--runs abcde] [--out DIR] [--agent JAR] [--trace CSV]"
                    + " [--pools-runs pqrs] [--pools-scale S] [--pools-length SECONDS] [--learn-length SECONDS]"
                    + " [--learn-agent-args slots.total=auto,...]"
                    + " [--ollama URL [--model NAME] [--slots N]]");
            return;
        }
        Map<String, String> a = Args.parse(args);
        Options o = Options.fromArgs(args);
        // The pools scenario needs the simulator's per-model slots: it does not run against a real Ollama.
        String scenario = a.getOrDefault("scenario", o.ollamaUrl() == null ? "all" : "trace");
        if (!List.of("all", "trace", "pools").contains(scenario)) {
            throw new IllegalArgumentException("--scenario " + scenario + ": expected all, trace or pools");
        }
        PoolsScenario.Options po = PoolsScenario.Options.from(o, a); // bad pools arguments fail before any run
        long t = System.nanoTime();
        List<RunResult> results = scenario.equals("pools") ? List.of() : run(o);
        String table = results.isEmpty() ? "" : Report.table(results, o);
        if (!results.isEmpty()) {
            System.out.println();
            System.out.print(table);
        }
        String extra = "";
        if (!scenario.equals("trace")) {
            List<PoolsRun> pools = PoolsScenario.run(po);
            String poolsTable = PoolsReport.table(pools, po);
            System.out.println();
            System.out.print(poolsTable);
            extra = PoolsReport.html(pools, poolsTable);
        }
        Path html = Report.writeHtml(results, o, table, extra);
        System.out.printf(Locale.ROOT, "%nreport: %s%ndemo took %.0f s%n", html.toAbsolutePath(),
                (System.nanoTime() - t) / 1e9);
    }

    /** Runs every run of {@code o} in turn and returns the results. */
    public static List<RunResult> run(Options o) throws IOException, InterruptedException {
        Files.createDirectories(o.outDir());
        Trace trace = Trace.load(o.trace()); // fail early on a bad trace
        log(o, "trace: %s (%d RT, %d BE rows); scale %.0f; run length %.0f s%s", trace.source(), trace.rt().size(),
                trace.be().size(), o.scale(), o.runLengthS(), o.ollamaUrl() == null ? "" : "; server " + o.ollamaUrl());
        if (o.runs().stream().anyMatch(RunSpec::agent) && !Files.isRegularFile(o.agentJar())) {
            throw new IOException("agent jar not found: " + o.agentJar()
                    + " (build it: mvn -B -ntp -q -DskipTests package)");
        }
        List<RunResult> results = new ArrayList<>();
        for (RunSpec spec : o.runs()) {
            results.add(o.ollamaUrl() == null ? runSimulated(spec, o) : runReal(spec, o));
        }
        return results;
    }

    private static RunResult runSimulated(RunSpec spec, Options o) throws IOException, InterruptedException {
        SimulatorConfig cfg = SimulatorConfig.builder().slots(spec.serverSlots()).timeScale(o.scale())
                .acceptAnyModel(true).build();
        long simEpoch = System.nanoTime();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg)) {
            URI base = sim.baseUri();
            Child child = runChild(spec, o, base.toString(), base.getHost() + ":" + base.getPort(), false);
            try {
                sim.await(() -> sim.running() == 0, Duration.ofSeconds(30));
            } catch (java.util.concurrent.TimeoutException e) {
                log(o, "run %s: simulator still busy after the app ended", spec.id());
            }
            double offsetNs = child.t0 - simEpoch;
            List<RequestRecord> records = new ArrayList<>();
            Map<String, Long> lastStart = new java.util.HashMap<>();
            for (RequestRecord r : sim.records()) {
                String id = r.header("X-Demo-Id");
                if (id == null || id.equals("warmup") || id.equals("calibration") || !r.started()) {
                    continue;
                }
                records.add(r);
                lastStart.merge(id, r.startNanos(), Math::max);
            }
            List<RunResult.SlotSpan> spans = new ArrayList<>();
            for (RequestRecord r : records) {
                String id = r.header("X-Demo-Id");
                long end = r.endNanos() >= 0 ? r.endNanos() : r.disconnectNanos();
                // An attempt the agent aborted: the server saw the disconnect, or (a race) finished it
                // anyway while the call was already being sent again.
                boolean aborted = r.outcome() == dev.rtbe.simulator.Outcome.DISCONNECTED
                        || r.startNanos() < lastStart.get(id);
                spans.add(new RunResult.SlotSpan(id, id.substring(0, 2), unscaled(r.arrivalNanos(), offsetNs, o),
                        unscaled(r.startNanos(), offsetNs, o), unscaled(end, offsetNs, o), aborted));
            }
            RunResult result = new RunResult(spec, child.calls, spans, o.scale(), o.runLengthS(), child.wallSeconds,
                    child.exitCode, true, child.stallNs / 1e9 * o.scale(), child.idleTtftNs / 1e9 * o.scale());
            log(o, "run %s (%s): %d RT, %d BE calls, %d failed, %.1f s wall", spec.id(), spec.label(),
                    result.count("RT"), result.count("BE"), result.failed("RT") + result.failed("BE"), child.wallSeconds);
            return result;
        }
    }

    private static RunResult runReal(RunSpec spec, Options o) throws IOException, InterruptedException {
        URI base = URI.create(o.ollamaUrl());
        int port = base.getPort() < 0 ? 11434 : base.getPort();
        Child child = runChild(spec, o, o.ollamaUrl(), base.getHost() + ":" + port, true);
        // Real time throughout: the trace's arrivals were compressed by the scale, durations are the model's.
        List<RunResult.SlotSpan> spans = new ArrayList<>();
        for (CallRecord c : child.calls) {
            spans.add(new RunResult.SlotSpan(c.kind() + "-" + c.seq(), c.kind(), c.issueNs() / 1e9,
                    c.issueNs() / 1e9, c.endNs() / 1e9, false));
        }
        return new RunResult(spec, child.calls, spans, 1, o.runLengthS() / o.scale(), child.wallSeconds,
                child.exitCode, false, child.stallNs / 1e9, child.idleTtftNs / 1e9);
    }

    private static double unscaled(long simNanos, double offsetNs, Options o) {
        return simNanos < 0 ? Double.NaN : (simNanos - offsetNs) * o.scale() / 1e9;
    }

    private record Child(List<CallRecord> calls, long t0, double wallSeconds, int exitCode, long stallNs,
                         long idleTtftNs) {}

    private static Child runChild(RunSpec spec, Options o, String baseUrl, String endpoint, boolean real)
            throws IOException, InterruptedException {
        Path results = o.outDir().resolve("run-" + spec.id() + "-calls.tsv");
        Path logFile = o.outDir().resolve("run-" + spec.id() + ".log");
        Files.deleteIfExists(results);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        if (spec.agent()) {
            cmd.add("-javaagent:" + o.agentJar().toAbsolutePath() + "=slots.total=" + spec.total()
                    + ",slots.rt-reserved=" + spec.reserved() + (spec.preemption() ? ",preemption=transparent" : ""));
            cmd.addAll(agentProperties(endpoint, real ? 1 : o.scale()));
        }
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(ReplayApp.class.getName());
        cmd.addAll(List.of("--base-url", baseUrl, "--scale", fmt(o.scale()), "--run-length", fmt(o.runLengthS()),
                "--out", results.toString(), "--model", o.model()));
        if (o.trace() != null && Files.isRegularFile(o.trace())) {
            cmd.addAll(List.of("--trace", o.trace().toString()));
        }
        if (real) {
            cmd.add("--real");
        }
        Files.writeString(logFile, String.join(" ", cmd) + System.lineSeparator(), StandardCharsets.UTF_8);
        log(o, "run %s (%s): starting%s", spec.id(), spec.label(),
                spec.agent() ? " with the agent: slots.total=" + spec.total() + ", slots.rt-reserved=" + spec.reserved()
                        + (spec.preemption() ? ", preemption=transparent" : "") : " without the agent");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        double timeoutS = o.runLengthS() / o.scale() * 4 + 120;
        if (!p.waitFor((long) timeoutS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("run " + spec.id() + " did not end in " + (long) timeoutS + " s; see " + logFile);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        if (p.exitValue() != 0 || !Files.isRegularFile(results)) {
            throw new IOException("run " + spec.id() + " failed (exit " + p.exitValue() + "); see " + logFile);
        }
        List<String> lines = Files.readAllLines(results, StandardCharsets.UTF_8);
        String[] head = lines.get(0).split("\t");
        long t0 = Long.parseLong(head[1]);
        long stallNs = head.length > 2 ? Long.parseLong(head[2]) : 0;
        long idleTtftNs = head.length > 3 ? Long.parseLong(head[3]) : -1;
        List<CallRecord> calls = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            calls.add(CallRecord.parse(line));
        }
        return new Child(calls, t0, wall, p.exitValue(), stallNs, idleTtftNs);
    }

    /** The agent's settings for a demo run, besides the slot counts (given as agent arguments). */
    public static List<String> agentProperties(String endpoint, double scale) {
        return List.of(
                "-Drtbe.endpoints=" + endpoint,
                // Classification by call stack (RT) and by thread name (BE); streaming says RT anyway.
                "-Drtbe.classify.rt-stack=dev.rtbe.sample.news.InteractiveSummaries",
                "-Drtbe.classify.be-threads=batch-summarizer-*",
                // The seed's aging (60 s threshold, boost 0.5), on the replay's clock.
                "-Drtbe.aging.threshold=" + Math.max(1, Math.round(60_000 / scale)) + "ms",
                "-Drtbe.telemetry.exporter=none",
                "-Drtbe.log.calls=true");
    }

    public static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        String cp = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
        StringBuilder abs = new StringBuilder();
        for (String e : cp.split(java.io.File.pathSeparator)) {
            if (!e.isEmpty()) {
                abs.append(abs.length() == 0 ? "" : java.io.File.pathSeparator).append(Path.of(e).toAbsolutePath());
            }
        }
        return abs.toString();
    }

    /** The repository root (the directory with pom.xml and sample-app/), searched upwards from here. */
    public static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("sample-app"))
                    && Files.isDirectory(p.resolve("agent"))) {
                return p;
            }
        }
        return null;
    }

    public static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static void log(Options o, String format, Object... args) {
        if (!o.quiet()) {
            System.out.printf(Locale.ROOT, format + "%n", args);
        }
    }

    private Demo() {}
}
