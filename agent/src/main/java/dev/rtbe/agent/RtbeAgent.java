package dev.rtbe.agent;

import java.io.File;
import java.io.IOException;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.jar.JarFile;

/**
 * Entry point named in the jar manifest; loaded by the system class loader. Premain does as little
 * as it can, so that a JVM that never calls an LLM pays next to nothing for the agent: it installs
 * a {@link ClientWatch} and returns. The first class of an HTTP client starts the agent
 * ({@link #apply}): the agent's jar goes on the boot class path, so that the JDK's own clients
 * (loaded by the boot and platform loaders) can see the hooks their woven code calls, and
 * {@code AgentStarter}, loaded from there, reads the settings and starts the rest.
 *
 * <p>This class and {@link ClientWatch} are the only ones the system loader loads from the jar, before
 * the jar is on the boot class path. They use JDK classes only (no lambda, regex, logging or
 * service loader: each would load or spin classes at premain) and reach the agent by reflection
 * only, so that no class of the agent ever exists twice, once per loader; the boot-loaded agent
 * never names these two.
 *
 * <p>The settings are read at premain only when {@code rtbe.strict} or a settings file may be
 * given: strict mode starts everything at premain, so that a failure can still stop the JVM.
 * Nothing thrown here reaches the application unless {@code rtbe.strict=true}.
 */
public final class RtbeAgent implements Function<String, ClassFileTransformer>, Consumer<String> {
    private static final String STARTER = "dev.rtbe.agent.AgentStarter";
    private static final String STRICT_FAILURE = "dev.rtbe.agent.StrictModeFailure";
    /**
     * Where every supported client's hooked classes live (internal names; packages or class name
     * prefixes): the first class loaded under one starts the agent. AgentStarterTest checks these
     * against the clients' own {@code classPrefixes()}.
     */
    static final String[] CLIENT_PREFIXES = {
        "jdk/internal/net/http/",
        "org/springframework/http/client/JdkClientHttpResponse",
        "org/springframework/http/client/reactive/JdkClientHttpResponse",
        "reactor/netty/http/client/",
        "org/springframework/web/reactive/function/client/ExchangeFunctions$DefaultExchangeFunction",
        "org/apache/hc/client5/",
        "okhttp3/",
        "sun/net/www/protocol/http/",
    };

    private final String args;
    private final Instrumentation inst;
    private volatile Class<?> starter; // AgentStarter, boot-loaded
    private volatile JarFile jar;

    private RtbeAgent(String args, Instrumentation inst) {
        this.args = args;
        this.inst = inst;
    }

    public static void premain(String args, Instrumentation inst) {
        start(args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst);
    }

    private static void start(String args, Instrumentation inst) {
        RtbeAgent agent = new RtbeAgent(args, inst);
        try {
            if (settingsNeededNow(args)) {
                Object watch = agent.starter().getMethod("atPremain", String.class, Instrumentation.class,
                        JarFile.class).invoke(null, args, inst, agent.jar);
                if (!Boolean.TRUE.equals(watch)) {
                    return; // off, or started already (rtbe.strict=true)
                }
            } else {
                String version = RtbeAgent.class.getPackage().getImplementationVersion();
                System.err.println("[rtbe] rtbe-agent " + (version == null ? "dev" : version)
                        + " attached: it starts when the first class of an HTTP client loads");
            }
            new ClientWatch(CLIENT_PREFIXES, agent, agent).install(inst);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            // Compared by name: this class's own view of the type would come from another loader.
            if (cause instanceof RuntimeException && cause.getClass().getName().equals(STRICT_FAILURE)) {
                throw (RuntimeException) cause; // rtbe.strict=true: the user asked the JVM not to start
            }
            agent.accept("the agent failed to start and stays out of the way: " + cause);
        } catch (Exception | LinkageError e) {
            agent.accept("the agent failed to start and stays out of the way: " + e);
        }
    }

    /**
     * Whether rtbe.strict may be set, where the settings are read from: then they are read at premain.
     * Errs on the side of reading them (the agent argument is searched for the word only).
     */
    static boolean settingsNeededNow(String args) {
        return System.getProperty("rtbe.strict") != null || System.getProperty("rtbe.config.file") != null
                || args != null && (args.contains("strict") || args.contains("config.file"))
                || System.getenv("RTBE_STRICT") != null || System.getenv("RTBE_CONFIG_FILE") != null;
    }

    /** The start, on the thread that loads the first client class: the instrumentation, or null when off. */
    @Override
    public ClassFileTransformer apply(String trigger) {
        try {
            Method start = starter().getMethod("onFirstClientClass", String.class, Instrumentation.class,
                    JarFile.class, String.class);
            return (ClassFileTransformer) start.invoke(null, args, inst, jar, trigger);
        } catch (InvocationTargetException e) {
            accept("the agent failed to start and is off: " + e.getCause());
        } catch (Exception e) {
            accept("the agent failed to start and is off: " + e);
        }
        return null;
    }

    /** Puts the agent's jar on the boot class path (once) and returns {@code AgentStarter}, loaded from there. */
    private Class<?> starter() throws IOException, URISyntaxException, ClassNotFoundException {
        if (starter == null) {
            File file = new File(RtbeAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            JarFile agentJar = new JarFile(file);
            // If the application also carries our classes (e.g. an uber-jar that embeds the agent), this
            // class may come from there: never put anything but the agent jar on the boot class path.
            String premain = agentJar.getManifest() == null ? null
                    : agentJar.getManifest().getMainAttributes().getValue("Premain-Class");
            if (!RtbeAgent.class.getName().equals(premain)) {
                agentJar.close();
                throw new IllegalStateException("the agent's classes were loaded from " + file + ", which is not"
                        + " the agent jar (no Premain-Class); put rtbe-agent.jar first or remove its classes from"
                        + " the class path");
            }
            inst.appendToBootstrapClassLoaderSearch(agentJar);
            jar = agentJar;
            starter = Class.forName(STARTER, true, null);
        }
        return starter;
    }

    /** Prints a warning the way the agent's log does. */
    @Override
    public void accept(String warning) {
        System.err.println("[rtbe] WARNING: " + warning);
    }
}
