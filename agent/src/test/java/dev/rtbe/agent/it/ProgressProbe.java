package dev.rtbe.agent.it;

import com.sun.net.httpserver.HttpServer;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.RequestRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Tells a forked application how far a batch call has got on the simulator: {@code GET /progress}
 * answers the number of tokens the call's first attempt has generated (0 before it starts). The
 * preemption tests' applications poll it to send their stream once the batch call is some tokens in,
 * a condition rather than a guessed delay. Not an endpoint of the agent: the agent leaves it alone.
 */
final class ProgressProbe implements AutoCloseable {
    private final HttpServer server;

    /** The call is the simulator's requests that {@code call} matches. */
    static ProgressProbe of(OllamaSimulator sim, Predicate<RequestRecord> call) {
        return new ProgressProbe(sim, query -> call);
    }

    /** The call is named per question: {@code /progress?id=X} asks about the requests whose X-Test-Id is X. */
    static ProgressProbe byTestId(OllamaSimulator sim) {
        return new ProgressProbe(sim, query -> testId(query.substring("id=".length())));
    }

    /** The requests whose X-Test-Id header is {@code id}. */
    static Predicate<RequestRecord> testId(String id) {
        return r -> id.equals(r.header("X-Test-Id"));
    }

    private ProgressProbe(OllamaSimulator sim, Function<String, Predicate<RequestRecord>> callOfQuery) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/progress", exchange -> {
            Predicate<RequestRecord> call = callOfQuery.apply(exchange.getRequestURI().getQuery());
            int tokens = sim.records().stream().filter(call).findFirst().map(RequestRecord::evalCount).orElse(0);
            byte[] body = Integer.toString(tokens).getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    /** The URL to poll, without a query. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/progress";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
