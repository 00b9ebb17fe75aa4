package dev.rtbe.agent.jmx;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.pool.Pool;
import dev.rtbe.agent.pool.PoolRegistry;
import dev.rtbe.agent.ledger.LedgerFactory;
import dev.rtbe.agent.ledger.redis.RedisFleet;
import dev.rtbe.agent.ledger.redis.RedisLedgerFactory;
import dev.rtbe.agent.scheduler.DaemonThreads;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.SchedulerSnapshot;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.management.InstanceAlreadyExistsException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Registers the MXBeans on the platform MBean server: {@code dev.rtbe:type=Scheduler}, the sum over
 * every pool, and one {@code dev.rtbe:type=Pool,server=...,model=...} per pool, registered as pools
 * are made (on a daemon thread, never on the application's).
 */
public final class SchedulerMBeanRegistrar {
    public static final String NAME = "dev.rtbe:type=Scheduler";
    public static final String COORDINATION = "dev.rtbe:type=Coordination";

    private SchedulerMBeanRegistrar() {}

    public static void register(AgentRuntime runtime, AgentLog log) {
        try {
            ObjectName name = new ObjectName(NAME);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            if (!server.isRegistered(name)) {
                server.registerMBean(new SchedulerView(runtime), name);
            }
            ObjectName coordination = new ObjectName(COORDINATION);
            if (!server.isRegistered(coordination)) {
                server.registerMBean(new CoordinationView(runtime.ledgers()), coordination);
            }
        } catch (Exception | LinkageError e) {
            log.warn("JMX view " + NAME + " not registered: " + e);
            return;
        }
        ExecutorService registrar = Executors.newSingleThreadExecutor(new DaemonThreads("rtbe-jmx-pools"));
        PoolRegistry pools = runtime.pools();
        pools.onNewPool(p -> registrar.execute(() -> registerPool(p, log)));
        for (Pool p : pools.pools()) {
            registerPool(p, log);
        }
    }

    /** {@code dev.rtbe:type=Pool,server="localhost:11434",model="llama3.2:latest"}. */
    public static ObjectName poolName(String server, String model) throws javax.management.MalformedObjectNameException {
        return new ObjectName("dev.rtbe:type=Pool,server=" + quoteIfNeeded(server) + ",model=" + quoteIfNeeded(model));
    }

    static String quoteIfNeeded(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (",=:\"*?\\\n".indexOf(value.charAt(i)) >= 0) {
                return ObjectName.quote(value);
            }
        }
        return value;
    }

    static void registerPool(Pool pool, AgentLog log) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = poolName(pool.server(), pool.model());
            if (server.isRegistered(name)) {
                server.unregisterMBean(name); // an embedding pool replaced by a generation pool: show the new one
            }
            server.registerMBean(new PoolView(pool), name);
        } catch (InstanceAlreadyExistsException e) {
            // registered meanwhile by the listing at start-up: that view is as good
        } catch (Exception | LinkageError e) {
            log.warn("JMX view of pool " + pool.key() + " not registered: " + e);
        }
    }

    private static final class PoolView implements PoolMXBean {
        private final Pool pool;

        PoolView(Pool pool) {
            this.pool = pool;
        }

        @Override public String getServer() { return pool.server(); }
        @Override public String getModel() { return pool.model(); }
        @Override public String getMode() { return pool.mode(); }
        @Override public int getTotalSlots() { return pool.limit(); }
        @Override public int getRtReservedSlots() { return pool.scheduler().policy().rtReservedSlots(); }
        @Override public int getRtInFlight() { return pool.snapshot().inFlight(Priority.RT); }
        @Override public int getBeInFlight() { return pool.snapshot().inFlight(Priority.BE); }
        @Override public int getRtQueued() { return pool.snapshot().queued(Priority.RT); }
        @Override public int getBeQueued() { return pool.snapshot().queued(Priority.BE); }
        @Override public long getPromotions() { return pool.snapshot().promotions(); }
        @Override public long getPreemptions() { return pool.snapshot().preemptions(); }
        @Override public long getRtRejections() { return pool.snapshot().rejected(Priority.RT); }
        @Override public long getBeRejections() { return pool.snapshot().rejected(Priority.BE); }
        @Override public double getServerQueueWaitLastSeconds() { return seconds(pool.lastHiddenWaitNanos()); }
        @Override public double getServerQueueWaitMeanSeconds() { return seconds(pool.meanHiddenWaitNanos()); }
        @Override public boolean isOutsideCallsDetected() { return pool.outsideCallsDetected(); }
        @Override public String getEffectiveSettings() { return pool.config().summary(); }

        private static double seconds(long nanos) {
            return nanos < 0 ? -1 : nanos / 1e9;
        }
    }

    /** The sum over every pool (and the pass-through of routes that run no model, which never waits). */
    private static final class SchedulerView implements SchedulerMXBean {
        private final AgentRuntime runtime;
        private final Map<String, String> settings;

        SchedulerView(AgentRuntime runtime) {
            this.runtime = runtime;
            this.settings = runtime.settings().effective();
        }

        private List<SchedulerSnapshot> gated() {
            List<SchedulerSnapshot> all = new ArrayList<>();
            for (Pool p : runtime.pools().pools()) {
                all.add(p.snapshot());
            }
            return all;
        }

        private List<SchedulerSnapshot> all() {
            List<SchedulerSnapshot> all = gated();
            for (Pool p : runtime.pools().passThroughs()) {
                all.add(p.snapshot());
            }
            return all;
        }

        private interface Figure {
            long of(SchedulerSnapshot s);
        }

        private static long sum(List<SchedulerSnapshot> snapshots, Figure f) {
            long total = 0;
            for (SchedulerSnapshot s : snapshots) {
                total += f.of(s);
            }
            return total;
        }

        @Override public int getTotalSlots() { return (int) sum(gated(), SchedulerSnapshot::totalSlots); }
        @Override public int getRtReservedSlots() { return (int) sum(gated(), SchedulerSnapshot::rtReservedSlots); }
        @Override public int getRtInFlight() { return (int) sum(all(), s -> s.inFlight(Priority.RT)); }
        @Override public int getBeInFlight() { return (int) sum(all(), s -> s.inFlight(Priority.BE)); }
        @Override public int getRtQueued() { return (int) sum(all(), s -> s.queued(Priority.RT)); }
        @Override public int getBeQueued() { return (int) sum(all(), s -> s.queued(Priority.BE)); }
        @Override public int getPromotedWaiting() { return (int) sum(gated(), SchedulerSnapshot::promotedWaiting); }
        @Override public long getPromotions() { return sum(gated(), SchedulerSnapshot::promotions); }
        @Override public long getPreemptions() { return sum(gated(), SchedulerSnapshot::preemptions); }
        @Override public double getPreemptedSlotSeconds() { return sum(gated(), SchedulerSnapshot::preemptedSlotNanos) / 1e9; }
        @Override public long getRtRejections() { return sum(gated(), s -> s.rejected(Priority.RT)); }
        @Override public long getBeRejections() { return sum(gated(), s -> s.rejected(Priority.BE)); }
        @Override public long getRtGranted() { return sum(all(), s -> s.granted(Priority.RT)); }
        @Override public long getBeGranted() { return sum(all(), s -> s.granted(Priority.BE)); }
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
