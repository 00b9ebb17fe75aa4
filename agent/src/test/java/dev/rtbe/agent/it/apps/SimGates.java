package dev.rtbe.agent.it.apps;

import java.net.HttpURLConnection;
import java.net.URI;

/**
 * Opens a gate of the test's simulator from a forked application, through the test's {@code GateControl}
 * ({@code gateUrl}): the calls held there ({@code X-Sim-Hold}, or a held model's name) then run to their end.
 * Not an endpoint of the agent: the agent leaves the call alone.
 */
public final class SimGates {
    /** The header that holds a request at a gate: it keeps its slot at the server until the gate opens. */
    public static final String HOLD = "X-Sim-Hold";
    /** The header that pauses a generation part-way at a gate, keeping its slot: {@link #pauseAfter}'s value. */
    public static final String PAUSE = "X-Sim-Pause";
    /** Tokens a preempted batch call has generated when its stream comes: it pauses there until the preemption. */
    public static final int PREEMPT_AT = 30;

    private SimGates() {}

    /** The {@link #PAUSE} header's value: pause at gate {@code gate} once the answer's first {@code tokens} are out. */
    public static String pauseAfter(String gate, int tokens) {
        return gate + ":" + tokens;
    }

    public static void open(String gateUrl, String gate) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(gateUrl + "?gate=" + gate).toURL().openConnection();
        try {
            if (c.getResponseCode() != 204) {
                throw new IllegalStateException("gate " + gate + ": " + c.getResponseCode());
            }
        } finally {
            c.disconnect();
        }
    }
}
