package dev.rtbe.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * An in-process Ollama server: {@code /api/generate}, {@code /api/chat}, {@code /v1/chat/completions}, the embedding
 * endpoints, {@code /api/tags}, {@code /api/ps}, {@code /api/version}, with Ollama's per-model slots and FIFO queues,
 * model loads and evictions, and a scalable timing model. Every generation and embedding request is recorded.
 *
 * <pre>{@code
 * try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(2).timeScale(100).build())) {
 *     URI base = sim.baseUri();   // http://127.0.0.1:<port>
 *     ...
 *     sim.awaitRecords(rs -> rs.size() == 5 && rs.stream().allMatch(RequestRecord::finished), Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class OllamaSimulator implements AutoCloseable {
    private final SimulatorConfig config;
    private final RequestLog log;
    private final Occupancy occupancy = new Occupancy();
    private final LoadedModels runners;
    private final ModelRegistry models;
    private final HttpFront front;
    private final Gates gates = new Gates();

    private OllamaSimulator(SimulatorConfig config) throws IOException {
        this.config = config;
        this.log = new RequestLog(System.nanoTime());
        TimingModel timing = new TimingModel(config);
        this.runners = new LoadedModels(config, timing, occupancy, log::touch);
        this.models = new ModelRegistry(config);
        GenerationHandler generation = new GenerationHandler(config, timing, models, runners, log, gates);
        EmbeddingHandler embedding = new EmbeddingHandler(config, timing, models, runners, log);
        this.front = new HttpFront(config.host(), config.port(), new Router(config, models, runners, generation, embedding));
    }

    /** Starts listening at once; port 0 picks an ephemeral port. */
    public static OllamaSimulator start(SimulatorConfig config) {
        try {
            return new OllamaSimulator(config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Ollama simulator on " + config.host() + ":" + config.port(), e);
        }
    }

    public static OllamaSimulator start() {
        return start(SimulatorConfig.defaults());
    }

    public SimulatorConfig config() {
        return config;
    }

    public int port() {
        return front.port();
    }

    /** e.g. {@code http://127.0.0.1:11434} (no trailing slash, like OLLAMA_HOST). */
    public URI baseUri() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        if (host.equals("0.0.0.0")) host = "127.0.0.1";
        return URI.create("http://" + host + ":" + port());
    }

    /** Snapshot of all generation and embedding request records, in arrival order. */
    public List<RequestRecord> records() {
        return log.snapshot();
    }

    /**
     * Waits until {@code condition} holds for the records and returns the matching snapshot.
     *
     * @throws TimeoutException when it does not hold within {@code timeout} (the message lists the records)
     */
    public List<RequestRecord> awaitRecords(Predicate<List<RequestRecord>> condition, Duration timeout)
            throws TimeoutException, InterruptedException {
        return log.awaitRecords(condition, timeout);
    }

    /** Waits for any condition (e.g. on {@link #running()}); re-checked on every change and at least every 20 ms. */
    public void await(BooleanSupplier condition, Duration timeout) throws TimeoutException, InterruptedException {
        log.await(condition, timeout, () -> "running=" + running() + ", queued=" + queued());
    }

    /** Requests holding a slot now, over every model. */
    public int running() {
        return occupancy.running();
    }

    /** Requests holding one of this model's slots now (name as in requests; a missing tag means ":latest"). */
    public int running(String model) {
        SlotScheduler s = runners.slots(ModelRegistry.normalize(model));
        return s == null ? 0 : s.running();
    }

    /** Requests waiting for a slot now, over every model (not those waiting for a load). */
    public int queued() {
        int n = 0;
        for (SlotScheduler s : runners.allSlots()) n += s.queued();
        return n;
    }

    /** Requests waiting for one of this model's slots now. */
    public int queued(String model) {
        SlotScheduler s = runners.slots(ModelRegistry.normalize(model));
        return s == null ? 0 : s.queued();
    }

    /** Highest number of requests that held slots at the same time, over every model, since start or the last reset. */
    public int maxObservedConcurrency() {
        return occupancy.max();
    }

    /** Highest number of requests that held this model's slots at the same time, since start or the last reset. */
    public int maxObservedConcurrency(String model) {
        SlotScheduler s = runners.slots(ModelRegistry.normalize(model));
        return s == null ? 0 : s.maxRunning();
    }

    /** Normalized names of the loaded (and ready) models, most recently used first, as /api/ps lists them. */
    public List<String> loadedModels() {
        List<String> out = new ArrayList<>();
        for (LoadedModels.Loaded l : runners.loaded()) out.add(l.model());
        return out;
    }

    /** Clears the records and the concurrency high-water marks; requests in flight keep running, unrecorded. */
    public void reset() {
        log.clear();
        for (SlotScheduler s : runners.allSlots()) s.resetStats();
        occupancy.resetMax();
    }

    /**
     * Lets the generation requests that wait at this gate ({@link SimHeaders#HOLD}) run, now and from now on.
     * Gates start closed.
     */
    public void openGate(String name) {
        gates.open(name);
    }

    /**
     * Holds every generation request for a model that {@code models} accepts (the name as the request gives it) at
     * the gate named after that model, as if it carried {@link SimHeaders#HOLD} with that name: for clients that
     * cannot set a header of their own. Replaces the previous choice; a request with the header waits at its own gate.
     */
    public void holdModels(Predicate<String> models) {
        gates.holdModels(models);
    }

    /**
     * Pauses every generation request for a model that {@code models} accepts (the name as the request gives it) once
     * the answer's first {@code afterTokens} tokens are out, at the gate named after that model, as if it carried
     * {@link SimHeaders#PAUSE}: for clients that cannot set a header of their own. Replaces the previous choice; a
     * request with the header pauses as it says.
     */
    public void pauseModels(Predicate<String> models, int afterTokens) {
        gates.pauseModels(models, afterTokens);
    }

    /** Forgets which models are loaded, so the next request for each pays its load time again. */
    public void unloadModels() {
        runners.unloadAll();
    }

    /** Stops listening and drops all connections (requests in flight end as disconnected). */
    @Override
    public void close() {
        front.close();
    }
}
