package dev.rtbe.simulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The "pulled" models, their names and how /api/tags and /api/ps describe them. Load state is in {@link LoadedModels}. */
final class ModelRegistry {
    /** Ollama's default keep_alive: a loaded model's expires_at is its last use plus this. */
    private static final long KEEP_ALIVE_SECONDS = 300;

    private final SimulatorConfig config;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private final Instant startedAt = Instant.now();

    ModelRegistry(SimulatorConfig config) {
        this.config = config;
        for (String m : config.models()) known.add(normalize(m));
    }

    /** Ollama's name rule: a missing tag means ":latest". */
    static String normalize(String name) {
        String n = name.trim();
        int slash = n.lastIndexOf('/');
        return n.indexOf(':', slash + 1) < 0 ? n + ":latest" : n;
    }

    /** The normalized name if the model is available, else null (the caller answers 404). */
    String resolve(String name) {
        String n = normalize(name);
        if (known.contains(n)) return n;
        if (config.acceptAnyModel()) {
            known.add(n);
            return n;
        }
        return null;
    }

    /** GET /api/tags: every available model. */
    List<Map<String, Object>> tags() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : new LinkedHashSet<>(sorted(known))) {
            Map<String, Object> m = base(name);
            m.put("modified_at", startedAt.toString());
            m.put("size", size(name));
            m.put("digest", digest(name));
            m.put("details", details(name));
            out.add(m);
        }
        return out;
    }

    /** GET /api/ps: the loaded models, in the order given. */
    List<Map<String, Object>> ps(List<LoadedModels.Loaded> loaded) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (LoadedModels.Loaded l : loaded) {
            String name = l.model();
            Map<String, Object> m = base(name);
            m.put("size", size(name));
            m.put("digest", digest(name));
            m.put("details", details(name));
            m.put("expires_at", l.lastUsedAt().plusSeconds(KEEP_ALIVE_SECONDS).toString());
            m.put("size_vram", size(name));
            m.put("context_length", 4096);
            out.add(m);
        }
        return out;
    }

    private static List<String> sorted(Set<String> names) {
        List<String> l = new ArrayList<>(names);
        l.sort(null);
        return l;
    }

    private static Map<String, Object> base(String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("model", name);
        return m;
    }

    private static long size(String name) {
        return 1_000_000_000L + Math.floorMod(name.hashCode(), 1_000_000);
    }

    private static String digest(String name) {
        return String.format("%064x", Math.abs((long) name.hashCode()));
    }

    private Map<String, Object> details(String name) {
        boolean embed = config.isEmbeddingModel(name);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("parent_model", "");
        d.put("format", "gguf");
        d.put("family", embed ? "nomic-bert" : "llama");
        d.put("families", List.of(embed ? "nomic-bert" : "llama"));
        d.put("parameter_size", embed ? "137M" : "3.2B");
        d.put("quantization_level", embed ? "F16" : "Q4_K_M");
        return d;
    }
}
