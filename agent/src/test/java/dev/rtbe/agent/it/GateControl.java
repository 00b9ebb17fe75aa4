package dev.rtbe.agent.it;

import com.sun.net.httpserver.HttpServer;
import dev.rtbe.simulator.OllamaSimulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Lets a forked application open the simulators' gates ({@link OllamaSimulator#openGate}): {@code GET /open?gate=X}
 * opens gate X on each simulator. A scenario holds slots at the server while it sets up, and opens the gates once
 * what it waits for is in place: the condition, not a guessed duration, ends the hold. Not an endpoint of the agent:
 * the agent leaves it alone.
 */
final class GateControl implements AutoCloseable {
    private final HttpServer server;

    GateControl(OllamaSimulator... sims) {
        List<OllamaSimulator> all = List.of(sims);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/open", exchange -> {
            String gate = exchange.getRequestURI().getQuery().substring("gate=".length());
            all.forEach(sim -> sim.openGate(gate));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
    }

    /** The URL to call, without a query. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/open";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
