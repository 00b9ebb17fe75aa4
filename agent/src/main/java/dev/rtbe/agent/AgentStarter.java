package dev.rtbe.agent;

import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.config.InvalidSettingsException;
import dev.rtbe.agent.config.PreemptionMode;
import dev.rtbe.agent.config.SettingProblem;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.http.ClientInstrumentation;
import dev.rtbe.agent.http.AdapterClassLoader;
import dev.rtbe.agent.http.apache5.Apache5Instrumentation;
import dev.rtbe.agent.http.jdk.JdkClientBridge;
import dev.rtbe.agent.http.jdk.JdkHttpClientInstrumentation;
import dev.rtbe.agent.http.spring.SpringJdkInstrumentation;
import dev.rtbe.agent.http.reactornetty.ReactorNettyInstrumentation;
import dev.rtbe.agent.http.okhttp.OkHttpInstrumentation;
import dev.rtbe.agent.http.urlconnection.UrlConnectionInstrumentation;
import dev.rtbe.agent.jmx.SchedulerMBeanRegistrar;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.telemetry.AgentTelemetry;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.scaffold.TypeValidation;

/**
 * Boot-loaded start-up: settings, runtime, JMX, and the client instrumentations. Fail-open:
 * a problem is printed and the application runs without the agent, unless {@code rtbe.strict}.
 */
public final class AgentStarter {
    private AgentStarter() {}

    public static void start(String args, Instrumentation inst, JarFile agentJar) {
        AgentLog log = AgentLog.stderr();
        AdapterClassLoader.useJar(agentJar);
        Settings settings;
        try {
            settings = SettingsLoader.fromSystem(args).load();
        } catch (InvalidSettingsException e) {
            for (String warning : e.warnings()) {
                log.warn(warning);
            }
            StringBuilder message = new StringBuilder("bad settings, ")
                    .append(e.strict() ? "refusing to start (rtbe.strict=true):" : "the agent is off:");
            for (SettingProblem p : e.problems()) {
                message.append("\n  ").append(p.message());
            }
            log.info(message.toString());
            if (e.strict()) {
                throw new StrictModeFailure(message.toString());
            }
            return;
        }
        for (String warning : settings.warnings()) {
            log.warn(warning);
        }
        if (!settings.enabled()) {
            log.info("rtbe.enabled=false: the agent is off");
            return;
        }
        try {
            AgentRuntime runtime = new AgentRuntime(settings, SchedulerClock.system(), log);
            AgentRuntime.install(runtime);
            registerJmxInBackground(runtime, log);
            List<String> found = install(inst, log);
            runtime.installTelemetry(AgentTelemetry.create(settings, runtime.clock(), runtime.pools()::pools,
                    runtime.ledgers(), jdkSenderLoader(), log::warn));
            log.info("rtbe-agent " + version() + " started: endpoints=" + settings.effective().get("rtbe.endpoints")
                    + " servers=" + String.join(",", runtime.pools().servers())
                    + " N=" + (settings.totalSlots() == Settings.AUTO ? "auto(max " + settings.maxSlots() + ")"
                            : String.valueOf(settings.totalSlots()))
                    + " R=" + settings.rtReservedSlots() + " per pool (server, model)"
                    + (settings.poolOverrides().isEmpty() ? "" : " overrides: " + settings.poolOverrides().describe())
                    + " clients=" + String.join(",", found) + preemptionNote(settings));
        } catch (RuntimeException | LinkageError e) {
            AgentRuntime.install(null);
            if (settings.strict()) {
                throw new StrictModeFailure("rtbe-agent failed to start: " + e);
            }
            log.warn("the agent failed to start and is off: " + e);
        }
    }

    /**
     * The platform MBean server costs about 150 classes and a good part of our start-up; nothing
     * needs the view before the application runs, so it is registered off the start-up path.
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

    static List<ClientInstrumentation> instrumentations() {
        List<ClientInstrumentation> all = new ArrayList<>();
        all.add(new JdkHttpClientInstrumentation());
        all.add(new SpringJdkInstrumentation());
        all.add(new ReactorNettyInstrumentation());
        all.add(new Apache5Instrumentation());
        all.add(new OkHttpInstrumentation());
        all.add(new UrlConnectionInstrumentation());
        return all;
    }

    private static List<String> install(Instrumentation inst, AgentLog log) {
        // Type validation only checks what we generate, and we generate nothing but inlined advice.
        AgentBuilder builder = new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED))
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(AgentBuilder.TypeStrategy.Default.DECORATE)
                // Inlined advice needs no type initializers, so skip Byte Buddy's initializer injection.
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                // The JDK clients live in named modules: let them read the agent's (unnamed) module.
                .assureReadEdgeTo(inst, JdkClientBridge.class)
                .ignore(nameStartsWith("dev.rtbe.").or(nameStartsWith("net.bytebuddy.")))
                .with(new InstallListener(log));
        List<String> found = new ArrayList<>();
        for (ClientInstrumentation client : instrumentations()) {
            if (!client.isPresent()) {
                continue;
            }
            try {
                builder = client.install(builder);
                found.add(client.name() + (onClassPath(client) ? "" : " (when loaded)"));
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                log.warn(client.name() + " stays ungated: its adapter failed to load: " + e);
            }
        }
        builder.installOn(inst);
        return found;
    }

    private static boolean onClassPath(ClientInstrumentation client) {
        String type = client.libraryClass();
        return type == null || ClassLoader.getSystemClassLoader().getResource(type.replace('.', '/') + ".class") != null;
    }

    /** Which calls transparent preemption may abort: only the JDK client's blocking send re-sends. */
    private static String preemptionNote(Settings settings) {
        if (settings.preemption() != PreemptionMode.TRANSPARENT) {
            return "";
        }
        return " preemption=transparent (preemptible: jdk-httpclient send"
                + (Runtime.version().feature() >= 16 ? "" : " needs JDK 16+, so none here")
                + "; other clients' calls are immune; resume=" + settings.preemptionResume().name().toLowerCase(java.util.Locale.ROOT)
                + ")";
    }

    private static String version() {
        String v = AgentStarter.class.getPackage() == null ? null : AgentStarter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
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
