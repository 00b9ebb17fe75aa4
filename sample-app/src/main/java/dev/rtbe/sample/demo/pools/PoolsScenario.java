package dev.rtbe.sample.demo.pools;

import dev.rtbe.sample.demo.Demo;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The pools scenario (issue 10): a news service that streams chat, runs batch summaries and embeds documents
 * on ONE server with two models, each run in its own JVM against a fresh simulator with per-model slots:
 * <ul>
 *   <li>(p) no agent; (q) the agent with one shared pool for every model (what it did before pools);
 *       (r) the agent with a pool per model: embedding latency against the idle one measured in the run;</li>
 *   <li>(s) N learned from scratch ({@code slots.total=auto}) for three models whose true slots are 1, 2 and 4,
 *       side by side on one server: learned N over time and the wait hidden inside the server.</li>
 * </ul>
 */
public final class PoolsScenario {
    public static final String CHAT_MODEL = "llama3.2";
    public static final String EMBED_MODEL = "nomic-embed-text";
    /** Learning models, each named by its true slot count on the simulated server. */
    public static final Map<String, Integer> LEARN_MODELS = orderedMap("model-n1", 1, "model-n2", 2, "model-n4", 4);
    static final int CHAT_SLOTS = 2;
    /**
     * Calls every learning model finishes at least in run s: reaching N = 4 takes up to about 30 of them
     * (CapacityLearnerTest) and the N a pool settled at is judged over the second half of the run, so on a
     * machine too busy to give the run that many calls in its length (its JVM's start and first calls can
     * take half of a short run) the load goes on until it has.
     */
    static final int LEARN_MIN_CALLS = 60;
    /**
     * Run s warms its JVM up with calls to this model, not one it measures: the learning pools start from
     * scratch, but the JVM's class loading and JIT do not slow their first calls (a probe above N that runs
     * quiet because the calls beside it are still on their way teaches a wrong N).
     */
    static final String WARM_UP_MODEL = "model-warm-up";

    /**
     * @param scale       time scale of the simulator and the app's pauses
     * @param mixedLengthS model seconds of load in each of the runs p, q, r
     * @param learnLengthS model seconds of load in run s
     * @param learnAgentArgs the agent arguments of run s (default {@code slots.total=auto})
     */
    public record Options(double scale, double mixedLengthS, double learnLengthS, String runs, String learnAgentArgs,
                          Path outDir, Path agentJar, boolean quiet) {

        public static Options from(Demo.Options demo, Map<String, String> args) {
            boolean shortRun = args.containsKey("short");
            String runs = args.getOrDefault("pools-runs", "pqrs");
            if (runs.isEmpty() || !runs.matches("[pqrs]+")) {
                throw new IllegalArgumentException("--pools-runs " + runs + ": expected some of p, q, r, s");
            }
            return new Options(Double.parseDouble(args.getOrDefault("pools-scale", "20")),
                    Double.parseDouble(args.getOrDefault("pools-length", shortRun ? "160" : "240")),
                    Double.parseDouble(args.getOrDefault("learn-length", shortRun ? "160" : "200")),
                    runs, args.getOrDefault("learn-agent-args", "slots.total=auto"), demo.outDir(), demo.agentJar(),
                    demo.quiet());
        }
    }

    /** One run's shape: its agent settings (null: no agent), the server's per-model slots, the app's arguments. */
    record Spec(String id, String label, String agentArgs, List<String> agentProps, Map<String, Integer> slots,
                List<String> appArgs) {}

    static List<Spec> specs(Options o) {
        Map<String, Integer> mixedSlots = orderedMap(CHAT_MODEL, CHAT_SLOTS, EMBED_MODEL, 1);
        List<String> mixedApp = List.of("--chat-models", CHAT_MODEL, "--embed-model", EMBED_MODEL, "--be-workers", "4",
                "--rt-users", "1", "--workload", "mixed", "--warm-up", "--run-length", Demo.fmt(o.mixedLengthS()));
        String fixed = "slots.total=" + CHAT_SLOTS + ",slots.rt-reserved=1";
        List<Spec> all = List.of(
                new Spec("p", "no agent", null, List.of(), mixedSlots, mixedApp),
                new Spec("q", "agent, one shared pool (N=2 R=1)", fixed, SHARED_POOL, mixedSlots, mixedApp),
                new Spec("r", "agent, a pool per model (chat N=2 R=1, embed N=1)", fixed, List.of(), mixedSlots, mixedApp),
                new Spec("s", "agent, N learned (" + o.learnAgentArgs() + ")", o.learnAgentArgs(), List.of(), LEARN_MODELS,
                        List.of("--chat-models", String.join(",", LEARN_MODELS.keySet()), "--be-workers", "5",
                                "--rt-users", "1", "--workload", "learn", "--run-length", Demo.fmt(o.learnLengthS()),
                                "--min-calls", Integer.toString(LEARN_MIN_CALLS), "--warm-up-model", WARM_UP_MODEL)));
        return all.stream().filter(s -> o.runs().contains(s.id())).toList();
    }

    /** The agent's setting that puts every model of a server into one pool, as before pools existed. */
    static final List<String> SHARED_POOL = List.of("-Drtbe.pools.by-model=false");

    public static List<PoolsRun> run(Options o) throws IOException, InterruptedException {
        Files.createDirectories(o.outDir());
        if (!Files.isRegularFile(o.agentJar())) {
            throw new IOException("agent jar not found: " + o.agentJar() + " (build it: mvn -B -ntp -q -DskipTests package)");
        }
        List<PoolsRun> runs = new ArrayList<>();
        for (Spec s : specs(o)) {
            runs.add(runOne(s, o));
        }
        return runs;
    }

    private static PoolsRun runOne(Spec spec, Options o) throws IOException, InterruptedException {
        SimulatorConfig.Builder cfg = SimulatorConfig.builder().slots(1).timeScale(o.scale()).acceptAnyModel(true)
                .maxLoadedModels(spec.slots().size() + 1); // + run s's warm-up model
        spec.slots().forEach(cfg::modelSlots);
        long simEpoch = System.nanoTime();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg.build())) {
            URI base = sim.baseUri();
            preload(base, spec.slots().keySet());
            Path results = o.outDir().resolve("pools-" + spec.id() + "-calls.tsv");
            Path logFile = o.outDir().resolve("pools-" + spec.id() + ".log");
            Files.deleteIfExists(results);
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-XX:+UseSerialGC");
            cmd.add("-XX:TieredStopAtLevel=1");
            if (spec.agentArgs() != null) {
                cmd.add("-javaagent:" + o.agentJar().toAbsolutePath() + "=" + spec.agentArgs());
                cmd.addAll(Demo.agentProperties(base.getHost() + ":" + base.getPort(), o.scale()));
                cmd.addAll(spec.agentProps());
            }
            cmd.addAll(List.of("-cp", Demo.classPath(), PoolsApp.class.getName(), "--base-url", base.toString(),
                    "--scale", Demo.fmt(o.scale()), "--out", results.toString()));
            cmd.addAll(spec.appArgs());
            Files.writeString(logFile, String.join(" ", cmd) + System.lineSeparator(), StandardCharsets.UTF_8);
            log(o, "pools run %s (%s): starting", spec.id(), spec.label());
            long start = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("pools run " + spec.id() + " did not end in 300 s; see " + logFile);
            }
            double wall = (System.nanoTime() - start) / 1e9;
            if (p.exitValue() != 0 || !Files.isRegularFile(results)) {
                throw new IOException("pools run " + spec.id() + " failed (exit " + p.exitValue() + "); see " + logFile);
            }
            try {
                sim.await(() -> sim.running() == 0, Duration.ofSeconds(30));
            } catch (java.util.concurrent.TimeoutException e) {
                log(o, "pools run %s: simulator still busy after the app ended", spec.id());
            }
            PoolsRun run = read(spec, o, results, sim.records(), simEpoch, wall);
            log(o, "pools run %s: %d calls, %d failed, %.1f s wall", spec.id(), run.calls().size(), run.failed(), wall);
            return run;
        }
    }

    private static PoolsRun read(Spec spec, Options o, Path results, List<RequestRecord> records, long simEpoch,
                                 double wall) throws IOException {
        long t0 = 0;
        long idleEmbed = -1;
        List<ScenarioCall> calls = new ArrayList<>();
        List<NSample> samples = new ArrayList<>();
        for (String line : Files.readAllLines(results, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            switch (f[0]) {
                case "T0" -> {
                    t0 = Long.parseLong(f[1]);
                    idleEmbed = Long.parseLong(f[2]);
                }
                case "C" -> calls.add(ScenarioCall.parse(f));
                case "N" -> {
                    NSample n = NSample.parse(f);
                    samples.add(new NSample(shortName(n.model()), n.tNs(), n.n()));
                }
                default -> throw new IOException("unexpected line in " + results + ": " + line);
            }
        }
        double offsetNs = t0 - simEpoch;
        List<PoolsRun.ServerSide> server = new ArrayList<>();
        for (RequestRecord r : records) {
            String id = r.header("X-Demo-Id");
            if (id == null || id.equals("warmup") || id.equals("calibration") || !r.started()) {
                continue;
            }
            server.add(new PoolsRun.ServerSide(id, shortName(r.model()), unscaled(r.arrivalNanos(), offsetNs, o),
                    unscaled(r.startNanos(), offsetNs, o), unscaled(r.endNanos(), offsetNs, o)));
        }
        StringBuilder tsv = new StringBuilder("id\tmodel\tarrival_s\tstart_s\tend_s\twait_s\n");
        for (PoolsRun.ServerSide s : server) {
            tsv.append(String.format(Locale.ROOT, "%s\t%s\t%.3f\t%.3f\t%.3f\t%.3f%n", s.id(), s.model(), s.arrivalS(),
                    s.startS(), s.endS(), s.waitS()));
        }
        Files.writeString(o.outDir().resolve("pools-" + spec.id() + "-server.tsv"), tsv, StandardCharsets.UTF_8);
        return new PoolsRun(spec.id(), spec.label(), spec.agentArgs() != null, spec.slots(), o.scale(), calls, samples,
                server, idleEmbed, wall);
    }

    /**
     * Loads every model before the run, as a server that has served them already (one untimed call each, from
     * this JVM, no agent): the first call of a model then measures no load in the server.
     */
    private static void preload(URI base, java.util.Set<String> models) throws IOException, InterruptedException {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        for (String m : models) {
            boolean embed = m.equals(EMBED_MODEL);
            String body = embed ? "{\"model\":\"" + m + "\",\"input\":\"warm-up\"}"
                    : "{\"model\":\"" + m + "\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"warm-up\"}]}";
            java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(base.resolve(embed ? "/api/embed" : "/api/chat"))
                    .header("Content-Type", "application/json").header("X-Sim-Prefill-Ms", "0").header("X-Sim-Gen-Ms", "0")
                    .header("X-Sim-Output-Tokens", "1").header("X-Demo-Id", "warmup")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build();
            java.net.http.HttpResponse<String> r = client.send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("preloading " + m + ": HTTP " + r.statusCode() + " " + r.body());
            }
        }
    }

    /** The simulator and the agent report Ollama's normalised name (a {@code :latest} tag added); the app uses the given one. */
    static String shortName(String model) {
        return model != null && model.endsWith(":latest") ? model.substring(0, model.length() - ":latest".length()) : model;
    }

    private static double unscaled(long simNanos, double offsetNs, Options o) {
        return simNanos < 0 ? Double.NaN : (simNanos - offsetNs) * o.scale() / 1e9;
    }

    private static Map<String, Integer> orderedMap(Object... kv) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Integer) kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    private static void log(Options o, String format, Object... args) {
        if (!o.quiet()) {
            System.out.printf(Locale.ROOT, format + "%n", args);
        }
    }

    private PoolsScenario() {}
}
