package dev.rtbe.agent;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.TelemetryExporter;
import dev.rtbe.agent.http.AdapterClassLoader;
import dev.rtbe.agent.http.ClassHooks;
import dev.rtbe.agent.http.ClientInstrumentation;
import dev.rtbe.agent.http.ClientTransformer;
import dev.rtbe.agent.http.Hook;
import dev.rtbe.agent.jmx.JmxOnDemand;
import dev.rtbe.agent.pool.Pool;
import dev.rtbe.agent.pool.PoolRegistry;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.telemetry.AgentTelemetry;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The agent's real start, once an HTTP client's first class loads (or at premain with
 * {@code rtbe.strict=true}): the runtime (pools, ledgers: a Redis fleet is joined here), the JMX
 * view (or the hook that registers it once JMX is used), the instrumentation of every present
 * client ({@link ClientTransformer}, which also weaves what is loaded already) and telemetry (whose
 * SDK itself waits for the first call).
 */
final class AgentActivation {
    private static final String MANAGEMENT_FACTORY = "java.lang.management.ManagementFactory";

    private AgentActivation() {}

    /**
     * Starts everything; {@code trigger} says what started it, for the log ("on the first load of
     * ..."). Returns the installed instrumentation. A failure leaves the agent off and is thrown.
     */
    static ClassFileTransformer activate(Settings settings, Instrumentation inst, List<ClientInstrumentation> clients,
                                         String trigger, AgentLog log) {
        long begin = System.nanoTime();
        try {
            AgentRuntime runtime = new AgentRuntime(settings, SchedulerClock.system(), log);
            AgentRuntime.install(runtime);
            List<String> found = new ArrayList<>();
            ClassFileTransformer transformer = install(inst, clients, found, runtime, log);
            if (settings.telemetryExporter() != TelemetryExporter.NONE) { // else the runtime's no-op telemetry stays
                runtime.installTelemetry(AgentTelemetry.create(settings, runtime.clock(), new Pools(runtime.pools()),
                        runtime.ledgers(), jdkSenderLoader(), log.warnings()));
            }
            log.info("instrumented " + String.join(",", found) + " " + trigger + " in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin) + " ms");
            return transformer;
        } catch (RuntimeException | LinkageError e) {
            AgentRuntime.install(null);
            throw e;
        }
    }

    /**
     * The OTLP exporter's JDK sender uses {@code java.net.http}, which the boot loader (home of
     * the rest of the shaded SDK) cannot see: its package is defined by a loader beside the platform loader.
     */
    private static ClassLoader jdkSenderLoader() {
        String pkg = String.join(".", "dev", "rtbe", "shaded", "io", "opentelemetry", "exporter", "sender", "jdk",
                "internal");
        return AdapterClassLoader.childFirst("rtbe-otlp-sender", ClassLoader.getPlatformClassLoader(), pkg);
    }

    /**
     * Weaves the clients' hooks, and one on {@code ManagementFactory.getPlatformMBeanServer()} that
     * registers the JMX view once anyone uses JMX; if that class was loaded already (the platform
     * MBean server may exist), the view is registered now.
     */
    private static ClassFileTransformer install(Instrumentation inst, List<ClientInstrumentation> clients,
                                                List<String> found, AgentRuntime runtime, AgentLog log) {
        List<ClassHooks> hooks = new ArrayList<>();
        hooks.add(ClassHooks.named(MANAGEMENT_FACTORY, Hook.method("getPlatformMBeanServer", 0)
                .access(Modifier.PUBLIC | Modifier.STATIC)
                .exit(JmxOnDemand.class.getName(), "platformServerAsked", "()V", false)));
        for (ClientInstrumentation client : clients) {
            try {
                hooks.addAll(client.hooks());
                found.add(client.name());
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                log.warn(client.name() + " stays ungated: its adapter failed to load: " + e);
            }
        }
        ClientTransformer transformer = new ClientTransformer(hooks, inst, log);
        for (Class<?> c : transformer.install()) {
            if (c.getName().equals(MANAGEMENT_FACTORY)) {
                JmxOnDemand.registerInBackground(runtime, log);
            }
        }
        return transformer;
    }

    /** The pools as telemetry reads them (a class, not {@code pools::pools}: no lambda is spun at activation). */
    private static final class Pools implements Supplier<List<Pool>> {
        private final PoolRegistry registry;

        Pools(PoolRegistry registry) {
            this.registry = registry;
        }

        @Override
        public List<Pool> get() {
            return registry.pools();
        }
    }
}
