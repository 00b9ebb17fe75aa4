package dev.rtbe.agent.jmx;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.ledger.LedgerFactory;
import dev.rtbe.agent.ledger.SlotLedger;
import dev.rtbe.agent.ledger.redis.RedisFleet;
import dev.rtbe.agent.ledger.redis.RedisLedgerFactory;
import dev.rtbe.agent.scheduler.Priority;
import java.lang.management.ManagementFactory;
import java.util.Map;
import javax.management.ObjectName;

/** Registers the scheduler's MXBean on the platform MBean server. */
public final class SchedulerMBeanRegistrar {
    public static final String NAME = "dev.rtbe:type=Scheduler";
    public static final String COORDINATION = "dev.rtbe:type=Coordination";

    private SchedulerMBeanRegistrar() {}

    public static void register(AgentRuntime runtime, AgentLog log) {
        try {
            ObjectName name = new ObjectName(NAME);
            javax.management.MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            if (!server.isRegistered(name)) {
                server.registerMBean(new SchedulerView(runtime), name);
            }
            ObjectName coordination = new ObjectName(COORDINATION);
            if (!server.isRegistered(coordination)) {
                server.registerMBean(new CoordinationView(runtime.ledgers()), coordination);
            }
        } catch (Exception | LinkageError e) {
            log.warn("JMX view " + NAME + " not registered: " + e);
        }
    }

    private static final class SchedulerView implements SchedulerMXBean {
        private final SlotLedger scheduler;
        private final Map<String, String> settings;

        SchedulerView(AgentRuntime runtime) {
            this.scheduler = runtime.scheduler();
            this.settings = runtime.settings().effective();
        }

        @Override public int getTotalSlots() { return scheduler.policy().totalSlots(); }
        @Override public int getRtReservedSlots() { return scheduler.policy().rtReservedSlots(); }
        @Override public int getRtInFlight() { return scheduler.snapshot().inFlight(Priority.RT); }
        @Override public int getBeInFlight() { return scheduler.snapshot().inFlight(Priority.BE); }
        @Override public int getRtQueued() { return scheduler.snapshot().queued(Priority.RT); }
        @Override public int getBeQueued() { return scheduler.snapshot().queued(Priority.BE); }
        @Override public int getPromotedWaiting() { return scheduler.snapshot().promotedWaiting(); }
        @Override public long getPromotions() { return scheduler.snapshot().promotions(); }
        @Override public long getPreemptions() { return scheduler.snapshot().preemptions(); }
        @Override public double getPreemptedSlotSeconds() { return scheduler.snapshot().preemptedSlotNanos() / 1e9; }
        @Override public long getRtRejections() { return scheduler.snapshot().rejected(Priority.RT); }
        @Override public long getBeRejections() { return scheduler.snapshot().rejected(Priority.BE); }
        @Override public long getRtGranted() { return scheduler.snapshot().granted(Priority.RT); }
        @Override public long getBeGranted() { return scheduler.snapshot().granted(Priority.BE); }
        @Override public Map<String, String> getEffectiveSettings() { return settings; }
    }

    private static final class CoordinationView implements CoordinationMXBean {
        private final LedgerFactory ledgers;
        private final RedisFleet fleet;

        CoordinationView(LedgerFactory ledgers) {
            this.ledgers = ledgers;
            this.fleet = ledgers instanceof RedisLedgerFactory ? ((RedisLedgerFactory) ledgers).fleet() : null;
        }

        @Override public String getMode() { return ledgers.mode(); }
        @Override public String getJvmId() { return fleet == null ? "" : fleet.jvmId(); }
        @Override public long getScriptCalls() { return fleet == null ? 0 : fleet.scriptCalls(); }
        @Override public double getScriptMeanMillis() { return fleet == null ? 0 : fleet.scriptMeanMillis(); }
        @Override public double getScriptMaxMillis() { return fleet == null ? 0 : fleet.scriptMaxMillis(); }
        @Override public long getFallbacks() { return fleet == null ? 0 : fleet.fallbacks(); }
        @Override public long getReassertions() { return fleet == null ? 0 : fleet.reassertions(); }
        @Override public long getRecoveredNotices() { return fleet == null ? 0 : fleet.recoveredNotices(); }
    }
}
