package dev.rtbe.simulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The "pulled" models and their load state. The first request for a model starts its load; every request for it
 * waits for the same load to finish before queueing for a slot (loads do not occupy a slot, as in Ollama).
 */
final class ModelRegistry {
    private final SimulatorConfig config;
    private final TimingModel timing;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    /** Model name to the System.nanoTime at which its load finishes(ed). */
    private final Map<String, Long> loadedAt = new ConcurrentHashMap<>();
    private final Instant startedAt = Instant.now();

    ModelRegistry(SimulatorConfig config, TimingModel timing) {
        this.config = config;
        this.timing = timing;
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

    /**
     * Waits until the model is loaded. Returns the MODEL-time nanoseconds this request spent waiting for the load
     * (0 when already loaded), or -1 if the client disconnected meanwhile.
     */
    long awaitLoaded(String model, Cancellation cancel) throws InterruptedException {
        long now = System.nanoTime();
        long ready = loadedAt.computeIfAbsent(model, m -> now + timing.toWall(timing.loadNanos()));
        if (ready <= now) return 0;
        if (cancel.awaitUntil(ready)) return -1;
        return timing.toModel(ready - now);
    }

    void unloadAll() {
        loadedAt.clear();
    }

    /** GET /api/tags: every available model. */
    List<Map<String, Object>> tags() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : new LinkedHashSet<>(sorted(known))) {
            Map<String, Object> m = base(name);
            m.put("modified_at", startedAt.toString());
            m.put("size", size(name));
            m.put("digest", digest(name));
            m.put("details", details());
            out.add(m);
        }
        return out;
    }

    /** GET /api/ps: loaded models only. */
    List<Map<String, Object>> ps() {
        long now = System.nanoTime();
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : sorted(loadedAt.keySet())) {
            Long at = loadedAt.get(name);
            if (at == null || at > now) continue;
            Map<String, Object> m = base(name);
            m.put("size", size(name));
            m.put("digest", digest(name));
            m.put("details", details());
            m.put("expires_at", Instant.now().plusSeconds(300).toString());
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

    private static Map<String, Object> details() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("parent_model", "");
        d.put("format", "gguf");
        d.put("family", "llama");
        d.put("families", List.of("llama"));
        d.put("parameter_size", "3.2B");
        d.put("quantization_level", "Q4_K_M");
        return d;
    }
}
