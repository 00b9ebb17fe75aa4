package dev.rtbe.simulator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Maps method and path to a handler; only the generation and embedding endpoints are recorded. */
final class Router implements HttpFront.Handler {
    private final SimulatorConfig config;
    private final ModelRegistry models;
    private final LoadedModels runners;
    private final GenerationHandler generation;
    private final EmbeddingHandler embedding;

    Router(SimulatorConfig config, ModelRegistry models, LoadedModels runners, GenerationHandler generation,
           EmbeddingHandler embedding) {
        this.config = config;
        this.models = models;
        this.runners = runners;
        this.generation = generation;
        this.embedding = embedding;
    }

    @Override
    public void handle(Exchange ex) throws IOException, InterruptedException {
        HttpRequestData req = ex.request();
        String method = req.method();
        String path = req.path();
        Endpoint ep = Endpoint.of(path);
        if (ep != null && method.equals("POST")) {
            generation.handle(ex, ep);
            return;
        }
        EmbeddingEndpoint eep = EmbeddingEndpoint.of(path);
        if (eep != null && method.equals("POST")) {
            embedding.handle(ex, eep);
            return;
        }
        boolean get = method.equals("GET") || method.equals("HEAD");
        if (get && path.equals("/")) {
            ex.response().sendFixed(200, "text/plain; charset=utf-8", "Ollama is running".getBytes(),
                    method.equals("HEAD"));
        } else if (get && path.equals("/api/version")) {
            json(ex, Map.of("version", config.version()));
        } else if (get && path.equals("/api/tags")) {
            json(ex, Map.of("models", models.tags()));
        } else if (get && path.equals("/api/ps")) {
            json(ex, Map.of("models", models.ps(runners.loaded())));
        } else if (get && config.llamaCppStatus() && path.equals("/props")) {
            json(ex, llamaCppProps());
        } else if (get && config.llamaCppStatus() && path.equals("/slots")) {
            ex.response().sendFixed(200, Frames.JSON, Frames.json(llamaCppSlots()), false);
        } else {
            // gin's default for unknown routes and wrong methods alike
            ex.response().sendText(404, "text/plain", "404 page not found");
        }
    }

    /** The model a llama-server would serve: the first one configured. */
    private String llamaCppModel() {
        return ModelRegistry.normalize(config.models().isEmpty() ? "model" : config.models().get(0));
    }

    /** The fields of llama-server's {@code GET /props} that a client reads for its slots. */
    private Map<String, Object> llamaCppProps() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("default_generation_settings", Map.of("n_ctx", 4096));
        props.put("total_slots", config.slotsFor(llamaCppModel()));
        props.put("model_alias", llamaCppModel());
        props.put("model_path", "/models/" + llamaCppModel() + ".gguf");
        props.put("endpoint_slots", true);
        props.put("build_info", "rtbe-simulator-" + config.version());
        return props;
    }

    /** llama-server's {@code GET /slots}: one entry per slot, the first {@code running} of them busy. */
    private List<Object> llamaCppSlots() {
        SlotScheduler slots = runners.slots(llamaCppModel());
        int busy = slots == null ? 0 : slots.running();
        List<Object> all = new ArrayList<>();
        for (int id = 0; id < config.slotsFor(llamaCppModel()); id++) {
            Map<String, Object> slot = new LinkedHashMap<>();
            slot.put("id", id);
            slot.put("n_ctx", 4096);
            slot.put("is_processing", id < busy);
            all.add(slot);
        }
        return all;
    }

    private static void json(Exchange ex, Map<String, Object> body) throws IOException {
        ex.response().sendFixed(200, Frames.JSON, Frames.json(new LinkedHashMap<>(body)), false);
    }
}
