package dev.rtbe.agent.it.apps;

/**
 * An application that never loads an HTTP client: it says whether the agent's runtime was started,
 * and whether its jar was put on the boot class path.
 */
public final class NoClientApp {
    private NoClientApp() {}

    public static void main(String[] args) throws Exception {
        System.out.println("AGENT-RUNNING " + AppSupport.agentRunning());
        System.out.println("AGENT-ON-BOOT-CLASS-PATH " + AppSupport.onBootClassPath());
    }
}
