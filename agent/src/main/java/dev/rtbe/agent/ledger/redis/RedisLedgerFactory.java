package dev.rtbe.agent.ledger.redis;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.ledger.LedgerFactory;
import dev.rtbe.agent.ledger.SlotLedger;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import java.util.Locale;
import java.util.function.ObjLongConsumer;

/** Fleet mode: every pool's ledger lives in Redis, through one {@link RedisFleet} per JVM. */
public final class RedisLedgerFactory extends LedgerFactory {
    private final RedisFleet fleet;

    public RedisLedgerFactory(RedisFleet fleet, SchedulerClock clock) {
        super(clock);
        this.fleet = fleet;
    }

    /** Connects to the fleet the settings name; never fails: an unreachable Redis means fallback mode. */
    public static RedisLedgerFactory start(Settings s, SchedulerClock clock, AgentLog log) {
        RedisFleet fleet = new RedisFleet(s.coordination(), s.coordinationFleet(), s.coordinationUser().orElse(null),
                s.coordinationPassword().orElse(null), s.coordinationSessionTtl(), s.coordinationFallbackShare(),
                clock, null, true, log);
        fleet.start();
        log.info("coordination: " + s.coordination() + " fleet=" + s.coordinationFleet() + " jvm=" + fleet.jvmId()
                + " mode=" + fleet.mode().name().toLowerCase(Locale.ROOT));
        return new RedisLedgerFactory(fleet, clock);
    }

    @Override
    public SlotLedger ledger(String server, String model, SchedulerPolicy policy) {
        return fleet.ledger(server + "|" + model, policy);
    }

    @Override
    public String mode() {
        return fleet.mode().name().toLowerCase(Locale.ROOT);
    }

    @Override
    public boolean coordinated() {
        return true;
    }

    @Override
    public long fallbacks() {
        return fleet.fallbacks();
    }

    @Override
    public long reassertions() {
        return fleet.reassertions();
    }

    @Override
    public long recoveredNotices() {
        return fleet.recoveredNotices();
    }

    @Override
    public void onScriptTimed(ObjLongConsumer<String> timer) {
        fleet.onScriptTimed(timer);
    }

    public RedisFleet fleet() {
        return fleet;
    }

    @Override
    public void close() {
        fleet.close();
    }
}
