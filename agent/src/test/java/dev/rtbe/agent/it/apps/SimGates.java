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

    private SimGates() {}

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
