package dev.rtbe.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

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

    @Override
    public String toString() {
        return "SimulatorConfig{slots=" + slots + ", maxQueue=" + (maxQueue == Integer.MAX_VALUE ? "unbounded" : maxQueue)
                + ", timeScale=" + timeScale + ", load=" + modelLoadTime + ", promptTps=" + promptTokensPerSecond
                + ", decodeTps=" + decodeTokensPerSecond + ", slowdown=" + decodeSlowdown + ", outputTokens="
                + outputTokens + ", models=" + models + (acceptAnyModel ? " (any)" : "") + ", nonStreamingDisconnect="
                + nonStreamingDisconnect + "}";
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

        private Builder() {}

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

        /** Parallel slots, the OLLAMA_NUM_PARALLEL analogue; default 1 as in Ollama since v0.10. */
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

        /** Load time paid once per model, by its first request(s); ZERO (default) means models start loaded. */
        public Builder modelLoadTime(Duration modelLoadTime) {
            if (modelLoadTime.isNegative()) throw new IllegalArgumentException("negative load time");
            this.modelLoadTime = modelLoadTime;
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
            return new SimulatorConfig(this);
        }
    }
}
