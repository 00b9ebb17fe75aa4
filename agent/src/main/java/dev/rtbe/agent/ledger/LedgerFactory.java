package dev.rtbe.agent.ledger;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.config.Endpoint;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.scheduler.HybridScheduler;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import dev.rtbe.agent.telemetry.CoordinationView;
import java.util.List;
import java.util.Locale;
import java.util.function.ObjLongConsumer;

/**
 * Makes the ledger of one pool, a (server, model) pair. In the default {@code local} mode each
 * pool gets its own in-process {@link HybridScheduler}; with {@code rtbe.coordination=redis://...}
 * the pools' ledgers are shared by the fleet through Redis. Metrics read the coordination's state here.
 */
public class LedgerFactory implements CoordinationView {
    /** The model part of a pool that stands for every model of its server. */
    public static final String ANY_MODEL = "_default";

    private final SchedulerClock clock;

    protected LedgerFactory(SchedulerClock clock) {
        this.clock = clock;
    }

    /** The factory the settings ask for. */
    public static LedgerFactory create(Settings settings, SchedulerClock clock, AgentLog log) {
        if (!settings.coordination().isLocal()) {
            return dev.rtbe.agent.ledger.redis.RedisLedgerFactory.start(settings, clock, log);
        }
        return new LedgerFactory(clock);
    }

    /** In-process ledgers only: one {@link HybridScheduler} per pool. */
    public static LedgerFactory local(SchedulerClock clock) {
        return new LedgerFactory(clock);
    }

    /** A ledger for the pool ({@code server}, {@code model}) with the given rule parameters. */
    public SlotLedger ledger(String server, String model, SchedulerPolicy policy) {
        return new HybridScheduler(policy, clock);
    }

    /** local, redis or fallback (redis configured but not reachable). */
    @Override
    public String mode() {
        return "local";
    }

    @Override
    public boolean coordinated() {
        return false;
    }

    @Override
    public long fallbacks() {
        return 0;
    }

    @Override
    public long reassertions() {
        return 0;
    }

    @Override
    public long recoveredNotices() {
        return 0;
    }

    @Override
    public void onScriptTimed(ObjLongConsumer<String> timer) {
        // no scripts in local mode
    }

    /** Stops background work (sessions, reconnects); running calls keep their slots. */
    public void close() {
    }

    /** The pool server of the settings: the first endpoint's {@code host:port}. */
    public static String serverOf(Settings settings) {
        List<Endpoint> endpoints = settings.endpoints();
        if (endpoints.isEmpty()) {
            return "localhost:" + Endpoint.DEFAULT_PORT;
        }
        Endpoint e = endpoints.get(0);
        String host = e.host().indexOf(':') >= 0 ? "[" + e.host() + "]" : e.host();
        return host.toLowerCase(Locale.ROOT) + ":" + e.port();
    }

    protected SchedulerClock clock() {
        return clock;
    }
}
