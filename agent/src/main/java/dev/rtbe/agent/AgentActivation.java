package dev.rtbe.agent;

import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.http.AdapterClassLoader;
import dev.rtbe.agent.http.ClientInstrumentation;
import dev.rtbe.agent.http.jdk.JdkClientBridge;
import dev.rtbe.agent.jmx.SchedulerMBeanRegistrar;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.telemetry.AgentTelemetry;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.Nexus;
import net.bytebuddy.dynamic.scaffold.TypeValidation;

/**
 * The agent's real start, once an HTTP client's first class loads (or at premain with
 * {@code rtbe.strict=true}): the runtime (pools, ledgers: a Redis fleet is joined here), the JMX
 * view, the Byte Buddy instrumentation of every present client (retransforming what is loaded
 * already) and telemetry (whose SDK itself waits for the first call).
 */
final class AgentActivation {
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
            registerJmxInBackground(runtime, log);
            List<String> found = new ArrayList<>();
            ClassFileTransformer transformer = install(inst, clients, found, log);
            runtime.installTelemetry(AgentTelemetry.create(settings, runtime.clock(), runtime.pools()::pools,
                    runtime.ledgers(), jdkSenderLoader(), log::warn));
            log.info("instrumented " + String.join(",", found) + " " + trigger + " in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin) + " ms");
            return transformer;
        } catch (RuntimeException | LinkageError e) {
            AgentRuntime.install(null);
            throw e;
        }
    }

    /**
     * The platform MBean server costs about 150 classes and a good part of our start-up; nothing
     * needs the view at once, so it is registered off the application's thread.
     */
    private static void registerJmxInBackground(AgentRuntime runtime, AgentLog log) {
        Thread t = new Thread(() -> SchedulerMBeanRegistrar.register(runtime, log), "rtbe-jmx-register");
        t.setDaemon(true);
        t.start();
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

    private static ClassFileTransformer install(Instrumentation inst, List<ClientInstrumentation> clients,
                                                List<String> found, AgentLog log) {
        // Type validation only checks what we generate, and we generate nothing but inlined advice.
        AgentBuilder builder = newAgentBuilder(new ByteBuddy().with(TypeValidation.DISABLED))
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                // Only the clients' classes can match: do not describe and match every loaded class.
                .redefineOnly(loadedClientClasses(inst, clients))
                .with(AgentBuilder.TypeStrategy.Default.DECORATE)
                // Inlined advice needs no type initializers, so skip Byte Buddy's initializer injection.
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                // The JDK clients live in named modules: let them read the agent's (unnamed) module.
                .assureReadEdgeTo(inst, JdkClientBridge.class)
                .ignore(nameStartsWith("dev.rtbe.").or(nameStartsWith("net.bytebuddy.")))
                .with(new InstallListener(log));
        for (ClientInstrumentation client : clients) {
            try {
                builder = client.install(builder);
                found.add(client.name());
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                log.warn(client.name() + " stays ungated: its adapter failed to load: " + e);
            }
        }
        return builder.installOn(inst);
    }

    /**
     * An agent builder without Byte Buddy's nexus: its default initialization strategy (replaced
     * by {@code NoOp} below) prepares the nexus, a class injected into the system class loader,
     * as soon as a builder is made; that took about 70% of the builder's start (JFR). The switch is
     * a system property under the shaded name, so only the agent's own copy of Byte Buddy reads
     * it; it is removed again once read.
     */
    private static AgentBuilder.Default newAgentBuilder(ByteBuddy byteBuddy) {
        boolean set = System.getProperty(Nexus.PROPERTY) == null;
        if (set) {
            System.setProperty(Nexus.PROPERTY, "true");
        }
        try {
            return new AgentBuilder.Default(byteBuddy);
        } finally {
            if (set) {
                System.clearProperty(Nexus.PROPERTY);
            }
        }
    }

    private static Class<?>[] loadedClientClasses(Instrumentation inst, List<ClientInstrumentation> clients) {
        List<String> prefixes = new ArrayList<>();
        for (ClientInstrumentation client : clients) {
            prefixes.addAll(client.classPrefixes());
        }
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (ClientWatch.isUnder(c.getName().replace('.', '/'), prefixes)) {
                loaded.add(c);
            }
        }
        return loaded.toArray(new Class<?>[0]);
    }

    /** Reports a transformation that failed, so a client that stays ungated is not a silent surprise. */
    private static final class InstallListener extends AgentBuilder.Listener.Adapter {
        private final AgentLog log;

        InstallListener(AgentLog log) {
            this.log = log;
        }

        @Override
        public void onError(String typeName, ClassLoader classLoader, net.bytebuddy.utility.JavaModule module,
                            boolean loaded, Throwable throwable) {
            log.warn("could not instrument " + typeName + ": " + throwable);
        }
    }
}
