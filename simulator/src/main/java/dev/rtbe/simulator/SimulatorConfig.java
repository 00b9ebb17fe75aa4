package dev.rtbe.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Immutable simulator settings. Every duration here is MODEL time (what a real server would take); the server
 * divides it by {@link #timeScale()} before waiting, and reports the undivided figures in the final chunk.
 */
public final class SimulatorConfig {
    private final String host;
    private final int port;
    private final int slots;
    private final int maxQueue;
    private final double timeScale;
    private final Duration modelLoadTime;
    private final double promptTokensPerSecond;
    private final double decodeTokensPerSecond;
    private final double decodeSlowdown;
    private final int outputTokens;
    private final int charsPerToken;
    private final List<String> models;
    private final boolean acceptAnyModel;
    private final DisconnectPolicy nonStreamingDisconnect;
    private final boolean omitZeroMetrics;
    private final String version;
    private final Map<String, Integer> modelSlots;
    private final Map<String, Duration> modelLoadTimes;
    private final Set<String> embeddingModels;
    private final int maxLoadedModels;
    private final boolean llamaCppStatus;

    private SimulatorConfig(Builder b) {
        host = b.host;
        port = b.port;
        slots = b.slots;
        maxQueue = b.maxQueue;
        timeScale = b.timeScale;
        modelLoadTime = b.modelLoadTime;
        promptTokensPerSecond = b.promptTokensPerSecond;
        decodeTokensPerSecond = b.decodeTokensPerSecond;
        decodeSlowdown = b.decodeSlowdown;
        outputTokens = b.outputTokens;
        charsPerToken = b.charsPerToken;
        models = Collections.unmodifiableList(new ArrayList<>(b.models));
        acceptAnyModel = b.acceptAnyModel;
        nonStreamingDisconnect = b.nonStreamingDisconnect;
        omitZeroMetrics = b.omitZeroMetrics;
        version = b.version;
        modelSlots = Collections.unmodifiableMap(new LinkedHashMap<>(b.modelSlots));
        modelLoadTimes = Collections.unmodifiableMap(new LinkedHashMap<>(b.modelLoadTimes));
        embeddingModels = b.embeddingModels == null ? null : Collections.unmodifiableSet(new LinkedHashSet<>(b.embeddingModels));
        maxLoadedModels = b.maxLoadedModels;
        llamaCppStatus = b.llamaCppStatus;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static SimulatorConfig defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.slots = slots;
        b.maxQueue = maxQueue;
        b.timeScale = timeScale;
        b.modelLoadTime = modelLoadTime;
        b.promptTokensPerSecond = promptTokensPerSecond;
        b.decodeTokensPerSecond = decodeTokensPerSecond;
        b.decodeSlowdown = decodeSlowdown;
        b.outputTokens = outputTokens;
        b.charsPerToken = charsPerToken;
        b.models = new ArrayList<>(models);
        b.acceptAnyModel = acceptAnyModel;
        b.nonStreamingDisconnect = nonStreamingDisconnect;
        b.omitZeroMetrics = omitZeroMetrics;
        b.version = version;
        b.modelSlots = new LinkedHashMap<>(modelSlots);
        b.modelLoadTimes = new LinkedHashMap<>(modelLoadTimes);
        b.embeddingModels = embeddingModels == null ? null : new LinkedHashSet<>(embeddingModels);
        b.maxLoadedModels = maxLoadedModels;
        b.llamaCppStatus = llamaCppStatus;
        return b;
    }

    public String host() { return host; }
    public int port() { return port; }
    public int slots() { return slots; }
    public int maxQueue() { return maxQueue; }
    public double timeScale() { return timeScale; }
    public Duration modelLoadTime() { return modelLoadTime; }
    public double promptTokensPerSecond() { return promptTokensPerSecond; }
    public double decodeTokensPerSecond() { return decodeTokensPerSecond; }
    public double decodeSlowdown() { return decodeSlowdown; }
    public int outputTokens() { return outputTokens; }
    public int charsPerToken() { return charsPerToken; }
    public List<String> models() { return models; }
    public boolean acceptAnyModel() { return acceptAnyModel; }
    public DisconnectPolicy nonStreamingDisconnect() { return nonStreamingDisconnect; }
    public boolean omitZeroMetrics() { return omitZeroMetrics; }
    public String version() { return version; }
    /** Per-model slot overrides, by normalized name. */
    public Map<String, Integer> modelSlots() { return modelSlots; }
    /** Per-model load time overrides, by normalized name. */
    public Map<String, Duration> modelLoadTimes() { return modelLoadTimes; }
    /** The embedding models named explicitly, or null for the default rule (the name contains "embed"). */
    public Set<String> embeddingModels() { return embeddingModels; }
    public int maxLoadedModels() { return maxLoadedModels; }
    /** Whether the server also answers llama.cpp's {@code GET /props} and {@code GET /slots}. */
    public boolean llamaCppStatus() { return llamaCppStatus; }

    /** Whether a (normalized) model name is an embedding model: it embeds only, with one slot. */
    public boolean isEmbeddingModel(String model) {
        String n = ModelRegistry.normalize(model);
        return embeddingModels == null ? n.contains("embed") : embeddingModels.contains(n);
    }

    /** Parallel sequences of one model: 1 for embedding models (as Ollama forces), else its override or slots. */
    public int slotsFor(String model) {
        if (isEmbeddingModel(model)) return 1;
        return modelSlots.getOrDefault(ModelRegistry.normalize(model), slots);
    }

    /** Load time of one model, model time: its override or modelLoadTime. */
    public Duration loadTimeFor(String model) {
        return modelLoadTimes.getOrDefault(ModelRegistry.normalize(model), modelLoadTime);
    }

    @Override
    public String toString() {
        return "SimulatorConfig{slots=" + slots + ", maxQueue=" + (maxQueue == Integer.MAX_VALUE ? "unbounded" : maxQueue)
                + ", timeScale=" + timeScale + ", load=" + modelLoadTime + ", promptTps=" + promptTokensPerSecond
                + ", decodeTps=" + decodeTokensPerSecond + ", slowdown=" + decodeSlowdown + ", outputTokens="
                + outputTokens + ", models=" + models + (acceptAnyModel ? " (any)" : "") + ", nonStreamingDisconnect="
                + nonStreamingDisconnect + (modelSlots.isEmpty() ? "" : ", modelSlots=" + modelSlots)
                + (modelLoadTimes.isEmpty() ? "" : ", modelLoadTimes=" + modelLoadTimes)
                + ", embeddingModels=" + (embeddingModels == null ? "*embed*" : embeddingModels)
                + ", maxLoadedModels=" + (maxLoadedModels == 0 ? "unlimited" : maxLoadedModels)
                + (llamaCppStatus ? ", llama.cpp /props and /slots" : "") + "}";
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private int slots = 1;
        private int maxQueue = Integer.MAX_VALUE;
        private double timeScale = 1.0;
        private Duration modelLoadTime = Duration.ZERO;
        private double promptTokensPerSecond = 1000;
        private double decodeTokensPerSecond = 30;
        private double decodeSlowdown = 0.1;
        private int outputTokens = 100;
        private int charsPerToken = 4;
        private List<String> models = new ArrayList<>(List.of("llama3.2:latest"));
        private boolean acceptAnyModel = false;
        private DisconnectPolicy nonStreamingDisconnect = DisconnectPolicy.ABORT;
        private boolean omitZeroMetrics = false;
        private String version = "0.32.15";
        private Map<String, Integer> modelSlots = new LinkedHashMap<>();
        private Map<String, Duration> modelLoadTimes = new LinkedHashMap<>();
        private Set<String> embeddingModels;
        private int maxLoadedModels = 0;
        private boolean llamaCppStatus = false;

        private Builder() {}

        /**
         * Also answer llama.cpp's status routes, as a llama-server does (default off, as Ollama answers 404):
         * {@code GET /props} with {@code total_slots} = the first model's slots, and {@code GET /slots} with one
         * entry per slot of it ({@code is_processing} for the slots running a request).
         */
        public Builder llamaCppStatus(boolean on) {
            this.llamaCppStatus = on;
            return this;
        }

        /** Bind address; default 127.0.0.1. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        /** Listening port; 0 (default) picks an ephemeral port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port);
            this.port = port;
            return this;
        }

        /**
         * Parallel slots of EACH loaded model, the OLLAMA_NUM_PARALLEL analogue; default 1 as in Ollama since v0.10.
         * Embedding models always get 1; {@link #modelSlots(String, int)} overrides it for one model.
         */
        public Builder slots(int slots) {
            if (slots < 1) throw new IllegalArgumentException("slots must be >= 1");
            this.slots = slots;
            return this;
        }

        /**
         * Most requests allowed to WAIT for a slot (running ones not counted); one more gets 503 "server busy".
         * Default unbounded, as Ollama's per-model semaphore queue is (OLLAMA_MAX_QUEUE only bounds loads).
         */
        public Builder maxQueue(int maxQueue) {
            if (maxQueue < 0) throw new IllegalArgumentException("maxQueue must be >= 0");
            this.maxQueue = maxQueue;
            return this;
        }

        /** Every modelled duration is divided by this on the wall clock (100 = minutes replay in seconds). */
        public Builder timeScale(double timeScale) {
            if (!(timeScale > 0) || Double.isInfinite(timeScale)) throw new IllegalArgumentException("timeScale must be > 0");
            this.timeScale = timeScale;
            return this;
        }

        /**
         * Load time paid by a model's first request(s), and again after it was evicted or unloaded; ZERO (default)
         * means models load instantly. {@link #modelLoadTime(String, Duration)} overrides it for one model.
         */
        public Builder modelLoadTime(Duration modelLoadTime) {
            if (modelLoadTime.isNegative()) throw new IllegalArgumentException("negative load time");
            this.modelLoadTime = modelLoadTime;
            return this;
        }

        /** Parallel slots of one model (name as in requests; a missing tag means ":latest"). */
        public Builder modelSlots(String model, int slots) {
            if (slots < 1) throw new IllegalArgumentException("slots of model " + model + " must be >= 1, was " + slots);
            this.modelSlots.put(ModelRegistry.normalize(model), slots);
            return this;
        }

        /** Load time of one model, model time. */
        public Builder modelLoadTime(String model, Duration loadTime) {
            if (loadTime.isNegative()) throw new IllegalArgumentException("negative load time for model " + model);
            this.modelLoadTimes.put(ModelRegistry.normalize(model), loadTime);
            return this;
        }

        /**
         * The embedding models (they run with 1 slot and answer 400 to generate/chat). Default: every model whose
         * name contains "embed" (nomic-embed-text, mxbai-embed-large, ...). No names means none.
         */
        public Builder embeddingModels(String... models) {
            Set<String> set = new LinkedHashSet<>();
            for (String m : models) set.add(ModelRegistry.normalize(m));
            this.embeddingModels = set;
            return this;
        }

        /**
         * Most models loaded at once, OLLAMA_MAX_LOADED_MODELS. A request for another model waits until a loaded
         * model has no running and no queued request, evicts the least recently used such model, then loads.
         * Default 0 = unlimited (Ollama's 0 means 3 per GPU, 3 on CPU; the simulator has no memory to fill).
         */
        public Builder maxLoadedModels(int maxLoadedModels) {
            if (maxLoadedModels < 0) throw new IllegalArgumentException("maxLoadedModels must be >= 0 (0 = unlimited)");
            this.maxLoadedModels = maxLoadedModels;
            return this;
        }

        /** Prompt evaluation (prefill) speed in tokens per second; default 1000. */
        public Builder promptTokensPerSecond(double tps) {
            if (!(tps > 0)) throw new IllegalArgumentException("promptTokensPerSecond must be > 0");
            this.promptTokensPerSecond = tps;
            return this;
        }

        /** Decode speed of a sequence running alone, tokens per second; default 30. */
        public Builder decodeTokensPerSecond(double tps) {
            if (!(tps > 0)) throw new IllegalArgumentException("decodeTokensPerSecond must be > 0");
            this.decodeTokensPerSecond = tps;
            return this;
        }

        /**
         * Per-sequence decode rate = decodeTokensPerSecond / (1 + slowdown * (running - 1)); 0 means no slowdown.
         * Default 0.1.
         */
        public Builder decodeSlowdown(double slowdown) {
            if (slowdown < 0) throw new IllegalArgumentException("decodeSlowdown must be >= 0");
            this.decodeSlowdown = slowdown;
            return this;
        }

        /** Output tokens per request unless the request sets options.num_predict / max_tokens; default 100. */
        public Builder outputTokens(int outputTokens) {
            if (outputTokens < 1) throw new IllegalArgumentException("outputTokens must be >= 1");
            this.outputTokens = outputTokens;
            return this;
        }

        /** Prompt tokens are counted as ceil(chars / charsPerToken), at least 1; default 4. */
        public Builder charsPerToken(int charsPerToken) {
            if (charsPerToken < 1) throw new IllegalArgumentException("charsPerToken must be >= 1");
            this.charsPerToken = charsPerToken;
            return this;
        }

        /** Locally "pulled" models; a name without a tag gets ":latest". Default llama3.2:latest. */
        public Builder models(String... models) {
            this.models = new ArrayList<>(Arrays.asList(models));
            return this;
        }

        /** Serve any model name instead of answering 404 for unknown ones; default false. */
        public Builder acceptAnyModel(boolean acceptAnyModel) {
            this.acceptAnyModel = acceptAnyModel;
            return this;
        }

        /** Behaviour of a non-streaming request whose client disconnects; default ABORT. */
        public Builder nonStreamingDisconnect(DisconnectPolicy policy) {
            this.nonStreamingDisconnect = Objects.requireNonNull(policy);
            return this;
        }

        /** Leave zero-valued metrics out of the final chunk, as Ollama's omitempty does; default false (always sent). */
        public Builder omitZeroMetrics(boolean omit) {
            this.omitZeroMetrics = omit;
            return this;
        }

        /** Answer of GET /api/version. */
        public Builder version(String version) {
            this.version = Objects.requireNonNull(version);
            return this;
        }

        public SimulatorConfig build() {
            SimulatorConfig c = new SimulatorConfig(this);
            c.modelSlots.forEach((model, n) -> {
                if (n > 1 && c.isEmbeddingModel(model)) {
                    throw new IllegalArgumentException("model " + model + " is an embedding model: it runs with 1 slot"
                            + " (as in Ollama), so modelSlots(" + model + ", " + n + ") cannot apply");
                }
            });
            return c;
        }
    }
}
