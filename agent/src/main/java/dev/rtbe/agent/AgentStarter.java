package dev.rtbe.agent;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.config.Endpoint;
import dev.rtbe.agent.config.InvalidSettingsException;
import dev.rtbe.agent.config.PreemptionMode;
import dev.rtbe.agent.config.SettingProblem;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.http.ClientInstrumentation;
import dev.rtbe.agent.http.AdapterClassLoader;
import dev.rtbe.agent.http.apache5.Apache5Instrumentation;
import dev.rtbe.agent.http.jdk.JdkHttpClientInstrumentation;
import dev.rtbe.agent.http.spring.SpringJdkInstrumentation;
import dev.rtbe.agent.http.reactornetty.ReactorNettyInstrumentation;
import dev.rtbe.agent.http.okhttp.OkHttpInstrumentation;
import dev.rtbe.agent.http.urlconnection.UrlConnectionInstrumentation;
import java.io.IOException;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Boot-loaded start-up: reads and checks the settings, prints the start-up line, and installs the
 * {@link ClientWatch}; the rest ({@link AgentActivation}: runtime, JMX, the clients' instrumentation, telemetry)
 * waits for the first class of an HTTP client, so a JVM that never calls an LLM does not pay for
 * it. Fail-open: a problem is printed and the application runs without the agent, unless
 * {@code rtbe.strict}, which also starts everything at once so that a failure can stop the JVM.
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
        List<ClientInstrumentation> clients = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (ClientInstrumentation client : instrumentations()) {
            if (client.isPresent()) {
                clients.add(client);
                prefixes.addAll(client.classPrefixes());
                names.add(client.name());
            }
        }
        log.info("rtbe-agent " + version(agentJar) + " started: endpoints=" + settings.effective().get("rtbe.endpoints")
                + " servers=" + String.join(",", servers(settings))
                + " N=" + (settings.totalSlots() == Settings.AUTO ? "auto(max " + settings.maxSlots() + ")"
                        : String.valueOf(settings.totalSlots()))
                + " R=" + settings.rtReservedSlots() + " per pool (server, model)"
                + (settings.poolOverrides().isEmpty() ? "" : " overrides: " + settings.poolOverrides().describe())
                + " clients=" + String.join(",", names) + preemptionNote(settings)
                + (settings.strict() ? "" : "; instrumented when a client's first class loads"));
        if (settings.strict()) {
            // rtbe.strict=true: everything starts now, so that a failure can still stop the JVM.
            try {
                AgentActivation.activate(settings, inst, clients, "at premain (rtbe.strict=true)", log);
            } catch (RuntimeException | LinkageError e) {
                throw new StrictModeFailure("rtbe-agent failed to start: " + e);
            }
            return;
        }
        // Classes, not lambdas: premain spins no lambda classes (nor the JVM's lambda machinery).
        ClientWatch watch = new ClientWatch(prefixes, new Function<String, ClassFileTransformer>() {
            @Override
            public ClassFileTransformer apply(String trigger) {
                return AgentActivation.activate(settings, inst, clients, "on the first load of " + trigger, log);
            }
        }, new Consumer<String>() {
            @Override
            public void accept(String warning) {
                log.warn(warning);
            }
        });
        watch.install(inst);
    }

    /** The servers of rtbe.endpoints, in order, as the pools will name them. */
    private static List<String> servers(Settings settings) {
        Set<String> servers = new LinkedHashSet<>();
        for (Endpoint e : settings.endpoints()) {
            servers.add(e.server());
        }
        return new ArrayList<>(servers);
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

    /** Which calls transparent preemption may abort: every client's but HttpURLConnection's (README). */
    private static String preemptionNote(Settings settings) {
        if (settings.preemption() != PreemptionMode.TRANSPARENT) {
            return "";
        }
        return " preemption=transparent (preemptible: jdk-httpclient send and sendAsync"
                + (Runtime.version().feature() >= 16 ? "" : " need JDK 16+, so not here")
                + ", okhttp, apache5, reactor-netty; HttpURLConnection calls are immune; resume="
                + settings.preemptionResume().name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    /**
     * From the jar's manifest, already open: {@code Package.getImplementationVersion()} would open the
     * jar (thousands of entries) once more.
     */
    private static String version(JarFile agentJar) {
        try {
            Manifest manifest = agentJar.getManifest();
            String v = manifest == null ? null : manifest.getMainAttributes().getValue("Implementation-Version");
            return v == null ? "dev" : v;
        } catch (IOException e) {
            return "dev";
        }
    }
}
