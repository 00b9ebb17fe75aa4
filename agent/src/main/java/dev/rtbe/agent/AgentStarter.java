package dev.rtbe.agent;

import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.config.InvalidSettingsException;
import dev.rtbe.agent.config.SettingProblem;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.http.ClientInstrumentation;
import dev.rtbe.agent.http.AdapterClassLoader;
import dev.rtbe.agent.http.jdk.JdkClientBridge;
import dev.rtbe.agent.http.jdk.JdkHttpClientInstrumentation;
import dev.rtbe.agent.http.urlconnection.UrlConnectionInstrumentation;
import dev.rtbe.agent.jmx.SchedulerMBeanRegistrar;
import dev.rtbe.agent.scheduler.SchedulerClock;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import net.bytebuddy.agent.builder.AgentBuilder;

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
            SchedulerMBeanRegistrar.register(runtime, log);
            List<String> found = install(inst, log);
            log.info("rtbe-agent " + version() + " started: endpoints=" + settings.effective().get("rtbe.endpoints")
                    + " N=" + settings.totalSlots() + " R=" + settings.rtReservedSlots()
                    + " clients=" + String.join(",", found));
        } catch (RuntimeException | LinkageError e) {
            AgentRuntime.install(null);
            if (settings.strict()) {
                throw new StrictModeFailure("rtbe-agent failed to start: " + e);
            }
            log.warn("the agent failed to start and is off: " + e);
        }
    }

    static List<ClientInstrumentation> instrumentations() {
        List<ClientInstrumentation> all = new ArrayList<>();
        all.add(new JdkHttpClientInstrumentation());
        all.add(new UrlConnectionInstrumentation());
        return all;
    }

    private static List<String> install(Instrumentation inst, AgentLog log) {
        AgentBuilder builder = new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(AgentBuilder.TypeStrategy.Default.DECORATE)
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
                found.add(client.name());
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                log.warn(client.name() + " stays ungated: its adapter failed to load: " + e);
            }
        }
        builder.installOn(inst);
        return found;
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
