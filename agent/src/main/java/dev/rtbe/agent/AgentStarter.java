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
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Boot-loaded start-up, called (by reflection) from {@link RtbeAgent} once the agent's jar is on the
 * boot class path: reads and checks the settings, prints the start-up line, and starts everything
 * ({@link AgentActivation}: runtime, JMX, the clients' instrumentation, telemetry). Normally that
 * happens when the first class of an HTTP client loads, so a JVM that never calls an LLM does not pay
 * for it; with {@code rtbe.strict} it happens at premain, so that a failure can stop the JVM.
 * Fail-open: a problem is printed and the application runs without the agent.
 */
public final class AgentStarter {
    /** The settings read at premain (rtbe.strict or a settings file was given), or null. */
    private static volatile Settings readAtPremain;

    private AgentStarter() {}

    /**
     * At premain, when rtbe.strict or a settings file may be given: reads the settings, and with
     * {@code rtbe.strict=true} starts everything now. Returns whether to wait for the first class
     * of a client (false: the agent is off, or started).
     */
    public static boolean atPremain(String args, Instrumentation inst, JarFile agentJar) {
        AgentLog log = AgentLog.stderr();
        Settings settings = load(args, agentJar, log, true);
        if (settings == null) {
            return false;
        }
        if (!settings.strict()) {
            readAtPremain = settings;
            return true;
        }
        try {
            AgentActivation.activate(settings, inst, presentClients(), "at premain (rtbe.strict=true)", log);
        } catch (RuntimeException | LinkageError e) {
            throw new StrictModeFailure("rtbe-agent failed to start: " + e);
        }
        return false;
    }

    /**
     * When the first class of a client loads ({@code trigger}): reads the settings (unless premain
     * did) and starts everything. Returns the installed instrumentation, or null when the agent is off.
     */
    public static ClassFileTransformer onFirstClientClass(String args, Instrumentation inst, JarFile agentJar,
                                                          String trigger) {
        AgentLog log = AgentLog.stderr();
        Settings settings = readAtPremain != null ? readAtPremain : load(args, agentJar, log, false);
        if (settings == null) {
            return null;
        }
        return AgentActivation.activate(settings, inst, presentClients(), "on the first load of " + trigger, log);
    }

    /** The settings, after the start-up line; null when bad (reported) or rtbe.enabled=false. */
    private static Settings load(String args, JarFile agentJar, AgentLog log, boolean atPremain) {
        AdapterClassLoader.useJar(agentJar);
        Settings settings;
        try {
            settings = SettingsLoader.fromSystem(args).load();
        } catch (InvalidSettingsException e) {
            for (String warning : e.warnings()) {
                log.warn(warning);
            }
            StringBuilder message = new StringBuilder("bad settings, ")
                    .append(e.strict() && atPremain ? "refusing to start (rtbe.strict=true):" : "the agent is off:");
            for (SettingProblem p : e.problems()) {
                message.append("\n  ").append(p.message());
            }
            log.info(message.toString());
            if (e.strict() && atPremain) {
                throw new StrictModeFailure(message.toString());
            }
            return null;
        }
        for (String warning : settings.warnings()) {
            log.warn(warning);
        }
        if (!settings.enabled()) {
            log.info("rtbe.enabled=false: the agent is off");
            return null;
        }
        List<String> names = new ArrayList<>();
        for (ClientInstrumentation client : presentClients()) {
            names.add(client.name());
        }
        log.info("rtbe-agent " + version(agentJar) + " started: endpoints=" + settings.effective().get("rtbe.endpoints")
                + " servers=" + String.join(",", servers(settings))
                + " N=" + (settings.totalSlots() == Settings.AUTO ? "auto(max " + settings.maxSlots() + ")"
                        : String.valueOf(settings.totalSlots()))
                + " R=" + settings.rtReservedSlots() + " per pool (server, model)"
                + (settings.poolOverrides().isEmpty() ? "" : " overrides: " + settings.poolOverrides().describe())
                + " clients=" + String.join(",", names) + preemptionNote(settings)
                + (atPremain && !settings.strict() ? "; instrumented when a client's first class loads" : ""));
        return settings;
    }

    /** The clients that can exist in this JVM. */
    private static List<ClientInstrumentation> presentClients() {
        List<ClientInstrumentation> present = new ArrayList<>();
        for (ClientInstrumentation client : instrumentations()) {
            if (client.isPresent()) {
                present.add(client);
            }
        }
        return present;
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
