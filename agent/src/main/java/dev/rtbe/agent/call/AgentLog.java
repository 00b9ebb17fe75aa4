package dev.rtbe.agent.call;

import java.io.PrintStream;

/** The agent's few lines for operators: start-up, warnings, and (if asked) one line per call. */
public final class AgentLog {
    private final PrintStream out;

    public AgentLog(PrintStream out) {
        this.out = out;
    }

    public static AgentLog stderr() {
        return new AgentLog(System.err);
    }

    public void info(String message) {
        out.println("[rtbe] " + message);
    }

    public void warn(String message) {
        out.println("[rtbe] WARNING: " + message);
    }
}
