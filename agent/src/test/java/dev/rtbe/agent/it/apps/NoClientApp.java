package dev.rtbe.agent.it.apps;

/** An application that never loads an HTTP client: it says whether the agent's runtime was started. */
public final class NoClientApp {
    private NoClientApp() {}

    public static void main(String[] args) throws Exception {
        System.out.println("AGENT-RUNNING " + AppSupport.agentRunning());
    }
}
