package dev.rtbe.simulator;

import java.io.IOException;
import java.util.LinkedHashMap;
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
        } else {
            // gin's default for unknown routes and wrong methods alike
            ex.response().sendText(404, "text/plain", "404 page not found");
        }
    }

    private static void json(Exchange ex, Map<String, Object> body) throws IOException {
        ex.response().sendFixed(200, Frames.JSON, Frames.json(new LinkedHashMap<>(body)), false);
    }
}
