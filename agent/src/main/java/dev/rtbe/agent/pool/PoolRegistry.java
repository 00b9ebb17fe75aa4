package dev.rtbe.agent.pool;

import dev.rtbe.agent.calibrate.LlamaCppSlots;
import dev.rtbe.agent.calibrate.LlamaCppSlotsProbe;
import dev.rtbe.agent.ledger.LedgerFactory;
import dev.rtbe.agent.config.Endpoint;
import dev.rtbe.agent.config.PoolConfig;
import dev.rtbe.agent.config.PoolOverrides;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Every pool, by server and model. Each server of {@code rtbe.endpoints} has a default pool from
 * the start; a model's pool is made when its first call arrives. The lookup is one
 * {@link ConcurrentHashMap} read keyed by the model name as the application wrote it; only a miss
 * normalises the name and may create a pool. Bounded: past {@code rtbe.pools.max-per-server}
 * models, calls to further models share the server's default pool (said once in the log), and
 * names that landed there are not remembered, so a flood of model names cannot grow memory. With
 * {@code rtbe.pools.by-model=false} every call of a server uses its default pool.
 */
public final class PoolRegistry {
    private final Settings settings;
    private final boolean byModel;
    private final PoolOverrides.Globals globals;
    private final SchedulerClock clock;
    private final LedgerFactory ledgers;
    private final Consumer<String> log;
    private final Map<String, ServerPools> servers; // fixed at start: the servers of rtbe.endpoints
    private final List<Consumer<Pool>> listeners = new CopyOnWriteArrayList<>();
    private final Function<URI, LlamaCppSlots> slotsReader;
    private final UnaryOperator<SchedulerPolicy.Builder> tuning = new Tuning();
    /** Each of a server's two status requests gives up after this. */
    static final Duration SLOTS_PROBE_TIMEOUT = Duration.ofSeconds(2);

    /** One server's pools. */
    private final class ServerPools {
        final String server;
        final ServerSlots slots;
        final Pool defaultPool;
        final Pool ungated;
        /** By normalised model name; at most the cap. */
        final ConcurrentHashMap<String, Pool> byModel = new ConcurrentHashMap<>();
        /** By the name as written (the fast path); bounded like byModel. */
        final ConcurrentHashMap<String, Pool> byName = new ConcurrentHashMap<>();
        final AtomicBoolean overflowLogged = new AtomicBoolean();

        ServerPools(String server, Endpoint first) {
            this.server = server;
            this.slots = new ServerSlots(server, ServerSlots.baseOf(first), slotsReader);
            this.defaultPool = newPool(this, new PoolKey(server, PoolKey.DEFAULT_MODEL), null, false);
            this.ungated = Pool.ungated(server, clock, log);
        }
    }

    /** Pools with in-process ledgers (rtbe.coordination=local). */
    public PoolRegistry(Settings settings, SchedulerClock clock, Consumer<String> log) {
        this(settings, clock, log, LedgerFactory.local(clock));
    }

    /** Pools whose ledgers {@code ledgers} makes: in-process, or shared by a fleet through Redis. */
    public PoolRegistry(Settings settings, SchedulerClock clock, Consumer<String> log, LedgerFactory ledgers) {
        this(settings, clock, log, ledgers, new LlamaCppSlotsProbe(SLOTS_PROBE_TIMEOUT));
    }

    /**
     * As above; {@code slotsReader} reads the slots a server publishes (llama.cpp's /props or /slots)
     * for its auto-N pools, once per server on a thread of its own; unknown means: learn N.
     */
    public PoolRegistry(Settings settings, SchedulerClock clock, Consumer<String> log, LedgerFactory ledgers,
                        Function<URI, LlamaCppSlots> slotsReader) {
        this.settings = settings;
        this.slotsReader = slotsReader;
        this.ledgers = ledgers;
        this.byModel = settings.poolsByModel();
        this.globals = PoolOverrides.Globals.of(settings);
        this.clock = clock;
        this.log = log;
        Map<String, ServerPools> map = new LinkedHashMap<>();
        for (Endpoint e : settings.endpoints()) {
            if (!map.containsKey(e.server())) {
                map.put(e.server(), new ServerPools(e.server(), e));
            }
        }
        this.servers = Collections.unmodifiableMap(map);
    }

    /** Called for every pool made from now on (not for those that exist already: see {@link #pools()}). */
    public void onNewPool(Consumer<Pool> listener) {
        listeners.add(listener);
    }

    /** The servers, in the order of rtbe.endpoints. */
    public List<String> servers() {
        return new ArrayList<>(servers.keySet());
    }

    /** The server's default pool; null for a server that is not configured. */
    public Pool defaultPool(String server) {
        ServerPools s = servers.get(server);
        return s == null ? null : s.defaultPool;
    }

    /**
     * The pool for a call of {@code route} to {@code model} on {@code server}: the model's pool, made
     * on first use, or the server's default pool when the model is unknown (null) or the server has
     * its maximum of pools already; the pass-through for a route that runs no model. Null for a
     * server that is not configured.
     */
    public Pool pool(String server, String model, Route route) {
        ServerPools s = servers.get(server);
        if (s == null) {
            return null;
        }
        if (route == Route.UNGATED) {
            return s.ungated;
        }
        if (model == null || !byModel) {
            return s.defaultPool;
        }
        Pool p = s.byName.get(model);
        if (p != null && !(p.embedding() && route == Route.GENERATION)) {
            return p;
        }
        return slowPath(s, model, route);
    }

    private Pool slowPath(ServerPools s, String written, Route route) {
        String model = PoolOverrides.normalizeModel(written);
        if (model.isEmpty() || model.equals(":latest")) {
            return s.defaultPool;
        }
        boolean embedding = route == Route.EMBEDDING;
        Pool existing = s.byModel.get(model);
        if (existing != null && existing.embedding() && !embedding) {
            existing = upgrade(s, model, existing);
        }
        Pool p = existing;
        if (p == null) {
            if (s.byModel.size() >= settings.maxPoolsPerServer()) {
                if (s.overflowLogged.compareAndSet(false, true)) {
                    log.accept("server " + s.server + " has " + s.byModel.size() + " pools, the most"
                            + " rtbe.pools.max-per-server allows: calls to further models (first: " + model
                            + ") share its default pool");
                }
                return s.defaultPool;
            }
            Pool made = newPool(s, new PoolKey(s.server, model), model, embedding);
            p = s.byModel.putIfAbsent(model, made);
            if (p == null) {
                p = made;
                announce(made);
            }
        }
        if (s.byName.size() < 4 * settings.maxPoolsPerServer()) {
            s.byName.put(written, p);
        }
        return p;
    }

    /**
     * A model first called for embeddings (N 1 by default) is called for generation too: it gets a
     * generation pool. Calls already in the old pool finish there.
     */
    private Pool upgrade(ServerPools s, String model, Pool old) {
        Pool made = newPool(s, new PoolKey(s.server, model), model, false);
        if (!s.byModel.replace(model, old, made)) {
            return s.byModel.get(model);
        }
        for (java.util.Iterator<Pool> it = s.byName.values().iterator(); it.hasNext(); ) {
            if (it.next() == old) {
                it.remove();
            }
        }
        log.accept("pool " + old.key() + " is called for generation too: N " + old.limit() + " -> "
                + made.describe());
        announce(made);
        return made;
    }

    private void announce(Pool made) {
        log.accept("pool " + made.describe());
        for (Consumer<Pool> l : listeners) {
            try {
                l.accept(made);
            } catch (RuntimeException | LinkageError e) {
                // a view (JMX) failed; the pool works without it
            }
        }
    }

    private Pool newPool(ServerPools s, PoolKey key, String model, boolean embedding) {
        PoolConfig config = settings.poolOverrides().resolve(globals, key.server(), model, embedding);
        return new Pool(key, config, embedding, ledgers, settings.promotionAfter().orElse(null), settings.rtOrder(),
                settings.preemptionGrace(), settings.preemptionMaxPerCall(), tuning, s.slots, log);
    }

    /** Each server's pass-through for routes that run no model (not pools: they never make a call wait). */
    public List<Pool> passThroughs() {
        List<Pool> all = new ArrayList<>();
        for (ServerPools s : servers.values()) {
            all.add(s.ungated);
        }
        return all;
    }

    /** Every pool now, default pools first; a new list each time. */
    public List<Pool> pools() {
        List<Pool> all = new ArrayList<>();
        for (ServerPools s : servers.values()) {
            all.add(s.defaultPool);
        }
        for (ServerPools s : servers.values()) {
            all.addAll(s.byModel.values());
        }
        return all;
    }

    /** The settings' tuning of each pool's policy (a class, not {@code settings::tune}: no lambda is spun). */
    private final class Tuning implements UnaryOperator<SchedulerPolicy.Builder> {
        @Override
        public SchedulerPolicy.Builder apply(SchedulerPolicy.Builder builder) {
            return settings.tune(builder);
        }
    }
}
