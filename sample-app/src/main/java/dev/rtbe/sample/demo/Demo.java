package dev.rtbe.sample.demo;

import dev.rtbe.sample.demo.pools.PoolsReport;
import dev.rtbe.sample.demo.pools.PoolsRun;
import dev.rtbe.sample.demo.pools.PoolsScenario;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.SimulatorConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Replays a trace (default the ADR day; {@code --trace burst}: RT bursts and 10-90 s batch calls) against a fresh
 * simulator each time, each run in its own JVM: (a) no agent, (b) agent N=2 R=0, (c) agent N=2 R=1, (d) agent N=3
 * R=1 with a 3-slot server, (e) agent N=2 R=0 with transparent preemption that restarts a preempted call, (f) the
 * same with resumable preemption (a preempted call continues from its output); then the fleet runs, the trace split
 * over K JVMs (default 3) with (c)'s settings in each: (g) every JVM's agent on its own, (h) one fleet coordinated
 * through Redis. Before them the floor: the trace's RT calls alone on the same slots, no batch work and no agent,
 * which each row's RT TTFT p95 is measured against. With {@code --repeat R} every run is made R times (in rounds,
 * every other one in reverse order) and the table gives medians. Prints one table in unscaled seconds (next to the reference figures on the ADR day,
 * with the server slot time wasted on aborted attempts and the issue's targets) and writes an HTML report. Then,
 * unless {@code --scenario trace}, the pools scenario ({@link PoolsScenario}): a chat and an embedding model on one
 * server, and N learned from scratch; its table follows the first and its charts end the report.
 *
 * <pre>
 * java -jar sample-app/target/demo.jar [--scenario all|trace|pools] [--short] [--scale 100] [--run-length 3000]
 *      [--runs abcdefgh] [--no-floor] [--repeat 1] [--fleet 3] [--redis redis://host:port] [--pools-runs pqrs]
 *      [--pools-scale 20] [--out DIR] [--agent agent/target/rtbe-agent.jar] [--trace adr|burst|CSV]
 *      [--ollama http://localhost:11434 [--model llama3.2] [--slots 2]]
 * </pre>
 */
public final class Demo {
    /** The trace's closed-loop batch workers, over every JVM of a run. */
    static final int BE_WORKERS = 8;

    /**
     * Everything a demo needs; {@link #fromArgs} fills the defaults. {@code trace}: {@code adr}, {@code burst} or a
     * CSV file ({@link Trace#load(String)}); {@code runs} start with the floor runs unless {@code --no-floor};
     * {@code repeat}: how many times each run is made.
     */
    public record Options(double scale, double runLengthS, List<RunSpec> runs, Path outDir, Path agentJar,
                          String trace, String ollamaUrl, String model, boolean quiet, String redisUrl, int repeat) {

        public static Options fromArgs(String... args) {
            Map<String, String> a = Args.parse(args);
            boolean shortRun = a.containsKey("short");
            String ollama = a.get("ollama");
            Path root = repoRoot();
            double scale = Double.parseDouble(a.getOrDefault("scale", ollama != null ? "10" : shortRun ? "200" : "100"));
            double length = Double.parseDouble(a.getOrDefault("run-length",
                    ollama != null ? "1200" : shortRun ? "600" : "3000"));
            String ids = a.getOrDefault("runs", ollama != null ? "abcef" : "abcdefgh");
            int jvms = Integer.parseInt(a.getOrDefault("fleet", "3"));
            if (jvms < 2 || jvms > BE_WORKERS) {
                throw new IllegalArgumentException("--fleet " + jvms + ": expected 2 to " + BE_WORKERS + " JVMs");
            }
            if (a.containsKey("fleet")) { // asked for: the fleet runs, whatever --runs says
                ids = ids.replaceAll("[gh]", "") + "gh";
            }
            int slots = Integer.parseInt(a.getOrDefault("slots", "2"));
            List<RunSpec> runs = new ArrayList<>();
            for (char c : ids.toCharArray()) {
                RunSpec r = RunSpec.byId(String.valueOf(c), jvms);
                runs.add(ollama != null ? r.withServerSlots(slots) : r);
            }
            if (!a.containsKey("no-floor")) { // one floor per server slot count, first
                List<RunSpec> floors = new ArrayList<>();
                runs.stream().map(RunSpec::serverSlots).distinct().sorted()
                        .forEach(n -> floors.add(RunSpec.floor(n, slots)));
                runs.addAll(0, floors);
            }
            int repeat = Integer.parseInt(a.getOrDefault("repeat", "1"));
            if (repeat < 1) {
                throw new IllegalArgumentException("--repeat " + repeat + ": expected 1 or more");
            }
            String trace = a.getOrDefault("trace", "adr");
            Path out = a.containsKey("out") ? Path.of(a.get("out"))
                    : root != null ? root.resolve("sample-app/target/demo-report") : Path.of("demo-report");
            Path agent = a.containsKey("agent") ? Path.of(a.get("agent"))
                    : root != null ? root.resolve("agent/target/rtbe-agent.jar") : Path.of("rtbe-agent.jar");
            return new Options(scale, length, List.copyOf(runs), out, agent, trace, ollama,
                    a.getOrDefault("model", "llama3.2"), a.containsKey("quiet"), a.get("redis"), repeat);
        }
    }

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help")) {
            System.out.println("usage: java -jar demo.jar [--scenario all|trace|pools] [--short] [--scale S]"
                    + " [--run-length SECONDS] [--runs abcdefgh] [--no-floor] [--repeat R] [--fleet K]"
                    + " [--redis redis://HOST:PORT] [--out DIR] [--agent JAR] [--trace adr|burst|CSV]"
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

    /** Runs every run of {@code o} in turn, {@code o.repeat()} rounds, and returns the results in that order. */
    public static List<RunResult> run(Options o) throws IOException, InterruptedException {
        Files.createDirectories(o.outDir());
        Trace trace = Trace.load(o.trace()); // fail early on a bad trace
        log(o, "trace: %s (%d RT, %d BE rows); scale %.0f; run length %.0f s%s%s", trace.source(), trace.rt().size(),
                trace.be().size(), o.scale(), o.runLengthS(), o.repeat() > 1 ? "; " + o.repeat() + " rounds" : "",
                o.ollamaUrl() == null ? "" : "; server " + o.ollamaUrl());
        if (o.runs().stream().anyMatch(RunSpec::agent) && !Files.isRegularFile(o.agentJar())) {
            throw new IOException("agent jar not found: " + o.agentJar()
                    + " (build it: mvn -B -ntp -q -DskipTests package)");
        }
        List<RunResult> results = new ArrayList<>();
        for (int round = 0; round < o.repeat(); round++) {
            for (RunSpec spec : inRoundOrder(o.runs(), round)) {
                results.add(o.ollamaUrl() == null ? runSimulated(spec, o, round) : runReal(spec, o, round));
            }
        }
        return results;
    }

    /**
     * The runs of round {@code round}: every other round in reverse order. A server's speed drifts while the demo
     * runs (a real engine shares the machine's cores and memory with other work), so in a fixed order the runs made
     * first would be measured on a faster server; alternating the order lets drift favour no run.
     */
    static List<RunSpec> inRoundOrder(List<RunSpec> runs, int round) {
        List<RunSpec> order = new ArrayList<>(runs);
        if (round % 2 == 1) {
            Collections.reverse(order);
        }
        return order;
    }

    private static RunResult runSimulated(RunSpec spec, Options o, int round) throws IOException, InterruptedException {
        SimulatorConfig cfg = SimulatorConfig.builder().slots(spec.serverSlots()).timeScale(o.scale())
                .acceptAnyModel(true).build();
        long simEpoch = System.nanoTime();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg); FleetRedis redis = spec.redis()
                ? FleetRedis.start(o.redisUrl()) : null) {
            URI base = sim.baseUri();
            Child child = runChildren(spec, o, round, base.toString(), base.getHost() + ":" + base.getPort(), false,
                    redis == null ? null : redis.url(), () -> awaitIdle(sim, spec, o));
            awaitIdle(sim, spec, o);
            List<RunResult.SlotSpan> spans = ServerSpans.of(sim.records(), child.t0 - simEpoch, o.scale());
            RunResult result = new RunResult(spec, child.calls, spans, o.scale(), o.runLengthS(), child.wallSeconds,
                    child.exitCode, true, child.stallNs / 1e9 * o.scale(), child.idleTtftNs / 1e9 * o.scale());
            log(o, "run %s%s (%s): %d RT, %d BE calls, %d failed, %.1f s wall", spec.id(), roundTag(o, round),
                    spec.label(), result.count("RT"), result.count("BE"), result.failed("RT") + result.failed("BE"),
                    child.wallSeconds);
            return result;
        }
    }

    /** " round k/R" when there are several rounds. */
    private static String roundTag(Options o, int round) {
        return o.repeat() > 1 ? " round " + (round + 1) + "/" + o.repeat() : "";
    }

    /** Waits (bounded) until the simulator runs and queues nothing. */
    private static void awaitIdle(OllamaSimulator sim, RunSpec spec, Options o) throws InterruptedException {
        try {
            sim.await(() -> sim.running() == 0 && sim.queued() == 0, Duration.ofSeconds(30));
        } catch (java.util.concurrent.TimeoutException e) {
            log(o, "run %s: simulator still busy after the app ended", spec.id());
        }
    }

    private static RunResult runReal(RunSpec spec, Options o, int round) throws IOException, InterruptedException {
        URI base = URI.create(o.ollamaUrl());
        int port = base.getPort() < 0 ? 11434 : base.getPort();
        Child child;
        try (FleetRedis redis = spec.redis() ? FleetRedis.start(o.redisUrl()) : null) {
            child = runChildren(spec, o, round, o.ollamaUrl(), base.getHost() + ":" + port, true,
                    redis == null ? null : redis.url(), () -> { });
        }
        // Real time throughout: the trace's arrivals were compressed by the scale, durations are the model's.
        List<RunResult.SlotSpan> spans = new ArrayList<>();
        for (CallRecord c : child.calls) {
            spans.add(new RunResult.SlotSpan(c.kind() + "-" + c.seq(), c.kind(), c.issueNs() / 1e9,
                    c.issueNs() / 1e9, c.endNs() / 1e9, false, 0));
        }
        return new RunResult(spec, child.calls, spans, 1, o.runLengthS() / o.scale(), child.wallSeconds,
                child.exitCode, false, child.stallNs / 1e9, child.idleTtftNs / 1e9);
    }

    private record Child(List<CallRecord> calls, long t0, double wallSeconds, int exitCode, long stallNs,
                         long idleTtftNs) {}

    /** One application JVM of a run, started. */
    private record Launched(Process process, Path results, Path log) {}

    /** What the demo does while a fleet run's JVMs wait to measure the idle server. */
    private interface IdleWait {
        void await() throws InterruptedException;
    }

    /**
     * Runs the run's application JVMs and returns what they recorded, as one. A fleet run's JVMs start
     * their replay at one instant, each with its share of the trace and of the batch workers; the first
     * measures the idle-server TTFT once the others are done and {@code idle} returned.
     */
    private static Child runChildren(RunSpec spec, Options o, int round, String baseUrl, String endpoint,
                                     boolean real, String redisUrl, IdleWait idle)
            throws IOException, InterruptedException {
        log(o, "run %s%s (%s): starting%s%s", spec.id(), roundTag(o, round), spec.label(),
                spec.isFleet() ? " " + spec.jvms() + " JVMs" : "",
                spec.agent() ? " with the agent: " + agentArgs(spec)
                        + (redisUrl == null ? "" : ", coordination=" + redisUrl) : " without the agent");
        long start = System.nanoTime();
        long deadline = start + (long) ((o.runLengthS() / o.scale() * 4 + 120) * 1e9);
        if (!spec.isFleet()) {
            return finish(spec, launch(spec, o, round, baseUrl, endpoint, real, null, 0), deadline, start);
        }
        List<Launched> jvms = new ArrayList<>();
        try {
            for (int k = 0; k < spec.jvms(); k++) {
                jvms.add(launch(spec, o, round, baseUrl, endpoint, real, redisUrl, k));
            }
            awaitFiles(spec, jvms, ".ready", deadline);
            long t0 = System.nanoTime() + 200_000_000L; // each JVM reads it and sleeps until then
            for (Launched j : jvms) {
                tell(j, Long.toString(t0));
            }
            awaitFiles(spec, jvms, ".replayed", deadline);
            List<Child> done = new ArrayList<>();
            for (Launched j : jvms.subList(1, jvms.size())) {
                tell(j, "skip");
                done.add(finish(spec, j, deadline, start));
            }
            idle.await();
            tell(jvms.get(0), "idle");
            done.add(0, finish(spec, jvms.get(0), deadline, start));
            return merge(done);
        } finally {
            jvms.forEach(j -> j.process().destroyForcibly()); // only those still running: a failed run
        }
    }

    /** Starts one application JVM; {@code redisUrl} and {@code part} matter only in a fleet run. */
    private static Launched launch(RunSpec spec, Options o, int round, String baseUrl, String endpoint, boolean real,
                                   String redisUrl, int part) throws IOException {
        String name = "run-" + spec.id() + (round > 0 ? "-r" + (round + 1) : "") + (spec.isFleet() ? "-" + (part + 1) : "");
        Path results = o.outDir().resolve(name + "-calls.tsv");
        Path logFile = o.outDir().resolve(name + ".log");
        for (String suffix : List.of("", ".ready", ".replayed")) {
            Files.deleteIfExists(Path.of(results + suffix));
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        if (spec.agent()) {
            cmd.add("-javaagent:" + o.agentJar().toAbsolutePath() + "=" + agentArgs(spec));
            cmd.addAll(agentProperties(endpoint, real ? 1 : o.scale()));
            if (redisUrl != null) {
                cmd.add("-Drtbe.coordination=" + redisUrl);
                // A fleet of its own per run: a Redis given with --redis may hold other runs' keys.
                cmd.add("-Drtbe.coordination.fleet=demo-" + ProcessHandle.current().pid() + "-" + spec.id());
            }
        }
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(ReplayApp.class.getName());
        cmd.addAll(List.of("--base-url", baseUrl, "--scale", fmt(o.scale()), "--run-length", fmt(o.runLengthS()),
                "--out", results.toString(), "--model", o.model()));
        if (spec.isFleet()) {
            int workers = BE_WORKERS / spec.jvms() + (part < BE_WORKERS % spec.jvms() ? 1 : 0);
            cmd.addAll(List.of("--part", part + "/" + spec.jvms(), "--be-workers", Integer.toString(workers), "--sync"));
        }
        cmd.addAll(List.of("--trace", o.trace()));
        if (!spec.batch()) {
            cmd.add("--no-batch");
        }
        if (real) {
            cmd.add("--real");
        }
        Files.writeString(logFile, String.join(" ", cmd) + System.lineSeparator(), StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        return new Launched(p, results, logFile);
    }

    /** Waits until every JVM of a fleet run has written its {@code suffix} file; fails when one ended first. */
    private static void awaitFiles(RunSpec spec, List<Launched> jvms, String suffix, long deadline)
            throws IOException, InterruptedException {
        for (Launched j : jvms) {
            Path file = Path.of(j.results() + suffix);
            while (!Files.exists(file)) {
                if (!j.process().isAlive()) {
                    throw new IOException("run " + spec.id() + " failed (exit " + j.process().exitValue() + "); see "
                            + j.log());
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("run " + spec.id() + " did not reach " + suffix + " in time; see " + j.log());
                }
                Thread.sleep(10);
            }
        }
    }

    /** One line to a fleet run's JVM (it reads them at its start and after its replay). */
    private static void tell(Launched j, String line) throws IOException {
        j.process().getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        j.process().getOutputStream().flush();
    }

    /** Waits for one JVM to end and reads its calls. */
    private static Child finish(RunSpec spec, Launched j, long deadline, long start)
            throws IOException, InterruptedException {
        Process p = j.process();
        if (!p.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            p.destroyForcibly();
            throw new IOException("run " + spec.id() + " did not end in time; see " + j.log());
        }
        double wall = (System.nanoTime() - start) / 1e9;
        if (p.exitValue() != 0 || !Files.isRegularFile(j.results())) {
            throw new IOException("run " + spec.id() + " failed (exit " + p.exitValue() + "); see " + j.log());
        }
        List<String> lines = Files.readAllLines(j.results(), StandardCharsets.UTF_8);
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

    /** A fleet run's JVMs as one: the same start, every call, the worst stall, the first JVM's idle TTFT. */
    private static Child merge(List<Child> jvms) {
        List<CallRecord> calls = new ArrayList<>();
        jvms.forEach(c -> calls.addAll(c.calls()));
        return new Child(calls, jvms.get(0).t0(), jvms.stream().mapToDouble(Child::wallSeconds).max().orElse(0), 0,
                jvms.stream().mapToLong(Child::stallNs).max().orElse(0), jvms.get(0).idleTtftNs());
    }

    /** The agent's arguments of a run: the slot counts and preemption. */
    static String agentArgs(RunSpec spec) {
        return "slots.total=" + spec.total() + ",slots.rt-reserved=" + spec.reserved() + spec.preemption().agentArgs;
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
