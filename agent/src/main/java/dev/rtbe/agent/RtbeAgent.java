package dev.rtbe.agent;

import java.lang.instrument.Instrumentation;

/** Entry point named in the jar manifest. Start-up wiring arrives with the agent issue. */
public final class RtbeAgent {
    private RtbeAgent() {}

    public static void premain(String args, Instrumentation inst) {}

    public static void agentmain(String args, Instrumentation inst) {}
}
