package dev.rtbe.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.util.jar.JarFile;

/**
 * Entry point named in the jar manifest; loaded by the system class loader. It puts the agent's
 * jar on the boot class path, so that the JDK's own clients (loaded by the boot and platform
 * loaders) can see the hooks their advice calls, then hands over to {@link AgentStarter}, loaded
 * from there. Nothing thrown here reaches the application unless {@code rtbe.strict=true}.
 */
public final class RtbeAgent {
    private static final String STRICT_FAILURE = "dev.rtbe.agent.StrictModeFailure";

    private RtbeAgent() {}

    public static void premain(String args, Instrumentation inst) {
        start(args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst);
    }

    private static void start(String args, Instrumentation inst) {
        try {
            File jar = new File(RtbeAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            JarFile agentJar = new JarFile(jar);
            // If the application also carries our classes (e.g. an uber-jar that embeds the agent), this
            // class may come from there: never put anything but the agent jar on the boot class path.
            String premain = agentJar.getManifest() == null ? null
                    : agentJar.getManifest().getMainAttributes().getValue("Premain-Class");
            if (!RtbeAgent.class.getName().equals(premain)) {
                System.err.println("[rtbe] the agent's classes were loaded from " + jar + ", which is not the agent jar"
                        + " (no Premain-Class); put rtbe-agent.jar first or remove its classes from the class path."
                        + " The agent stays out of the way.");
                return;
            }
            inst.appendToBootstrapClassLoaderSearch(agentJar);
            Class<?> starter = Class.forName("dev.rtbe.agent.AgentStarter", true, null);
            starter.getMethod("start", String.class, Instrumentation.class, JarFile.class)
                    .invoke(null, args, inst, agentJar);
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable cause = e.getCause();
            // Compared by name: this class's own view of the type may come from another loader.
            if (cause instanceof RuntimeException && cause.getClass().getName().equals(STRICT_FAILURE)) {
                throw (RuntimeException) cause; // rtbe.strict=true: the user asked the JVM not to start
            }
            report(cause);
        } catch (Throwable t) {
            report(t);
        }
    }

    private static void report(Throwable t) {
        System.err.println("[rtbe] the agent failed to start and stays out of the way: " + t);
    }
}
