package dev.rtbe.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the simulator as a process:
 * {@code java -jar rtbe-ollama-simulator.jar --port 11434 --slots 2 --scale 1}. Prints one line with the URL.
 */
public final class SimulatorMain {
    private SimulatorMain() {}

    static final String USAGE = String.join("\n",
            "usage: SimulatorMain [options]",
            "  --host ADDR            bind address (127.0.0.1)",
            "  --port N               port, 0 = ephemeral (11434)",
            "  --slots N              parallel slots of each model, OLLAMA_NUM_PARALLEL (1)",
            "  --model-slots m=N,...  parallel slots of one model (repeatable)",
            "  --embedding-models a,b embedding models, 1 slot each (default: names containing \"embed\"; \"\" = none)",
            "  --max-loaded-models N  models loaded at once, OLLAMA_MAX_LOADED_MODELS; 0 = unlimited (0)",
            "  --max-queue N          waiting requests before 503 (unbounded)",
            "  --scale X              time scale: model durations are divided by X (1)",
            "  --load-ms MS           model load time on first use and after an eviction (0)",
            "  --model-load-ms m=MS,...  load time of one model (repeatable)",
            "  --prompt-tps X         prompt evaluation tokens/s (1000)",
            "  --decode-tps X         decode tokens/s of a lone sequence (30)",
            "  --slowdown X           decode slowdown per extra running sequence (0.1)",
            "  --output-tokens N      default output length (100)",
            "  --models a,b           available models (llama3.2:latest)",
            "  --any-model            serve any model name",
            "  --keep-computing       non-streaming requests keep their slot after a disconnect",
            "  --omit-zero-metrics    leave zero metrics out of final chunks, like Ollama's omitempty",
            "  --llama-cpp-status     also answer llama.cpp's GET /props (total_slots) and GET /slots",
            "Per-request headers (unscaled ms): " + SimHeaders.PREFILL_MS + ", " + SimHeaders.GEN_MS + "; and "
                    + SimHeaders.OUTPUT_TOKENS + ".");

    public static void main(String[] args) throws InterruptedException {
        SimulatorConfig config;
        try {
            config = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (config == null) {
            System.out.println(USAGE);
            return;
        }
        OllamaSimulator sim = OllamaSimulator.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sim.close();
            stopped.countDown();
        }, "ollama-sim-shutdown"));
        System.out.println("Ollama simulator listening on " + sim.baseUri() + " " + config);
        System.out.flush();
        stopped.await();
    }

    /** Returns null for --help. */
    static SimulatorConfig parse(String[] args) {
        SimulatorConfig.Builder b = SimulatorConfig.builder().port(11434);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help": case "-h": return null;
                case "--any-model": b.acceptAnyModel(true); continue;
                case "--keep-computing": b.nonStreamingDisconnect(DisconnectPolicy.KEEP_COMPUTING); continue;
                case "--omit-zero-metrics": b.omitZeroMetrics(true); continue;
                case "--llama-cpp-status": b.llamaCppStatus(true); continue;
                default: break;
            }
            if (i + 1 >= args.length) throw new IllegalArgumentException("missing value for " + a);
            String v = args[++i];
            try {
                switch (a) {
                    case "--host": b.host(v); break;
                    case "--port": b.port(Integer.parseInt(v)); break;
                    case "--slots": b.slots(Integer.parseInt(v)); break;
                    case "--max-queue": b.maxQueue(Integer.parseInt(v)); break;
                    case "--scale": b.timeScale(Double.parseDouble(v)); break;
                    case "--load-ms": b.modelLoadTime(Duration.ofMillis(Long.parseLong(v))); break;
                    case "--prompt-tps": b.promptTokensPerSecond(Double.parseDouble(v)); break;
                    case "--decode-tps": b.decodeTokensPerSecond(Double.parseDouble(v)); break;
                    case "--slowdown": b.decodeSlowdown(Double.parseDouble(v)); break;
                    case "--output-tokens": b.outputTokens(Integer.parseInt(v)); break;
                    case "--models": b.models(v.split(",")); break;
                    case "--model-slots":
                        for (String[] kv : pairs(a, v)) b.modelSlots(kv[0], Integer.parseInt(kv[1]));
                        break;
                    case "--model-load-ms":
                        for (String[] kv : pairs(a, v)) b.modelLoadTime(kv[0], Duration.ofMillis(Long.parseLong(kv[1])));
                        break;
                    case "--embedding-models": b.embeddingModels(v.isBlank() ? new String[0] : v.split(",")); break;
                    case "--max-loaded-models": b.maxLoadedModels(Integer.parseInt(v)); break;
                    default: throw new IllegalArgumentException("unknown option " + a);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad value for " + a + ": " + v);
            }
        }
        return b.build();
    }

    /** "a=1,b:7b=2" as name/value pairs. */
    private static List<String[]> pairs(String option, String value) {
        List<String[]> out = new ArrayList<>();
        for (String item : value.split(",")) {
            int eq = item.lastIndexOf('=');
            if (eq <= 0 || eq == item.length() - 1) {
                throw new IllegalArgumentException("bad value for " + option + ": " + value + " (expected name=value,...)");
            }
            out.add(new String[] {item.substring(0, eq).trim(), item.substring(eq + 1).trim()});
        }
        return out;
    }
}
