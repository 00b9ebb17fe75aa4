package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.awaitIdleAndReport;
import static dev.rtbe.agent.it.apps.AppSupport.generate;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An application whose LLM calls the telemetry IT reads back over OTLP. Scenarios: plain calls
 * (one batch call holding the only slot, one stream waiting behind it); calls made inside the
 * application's own OpenTelemetry span (its own SDK, or the OpenTelemetry Java agent's API); and
 * a call made inside a server handler traced by the OpenTelemetry Java agent alone.
 */
public final class TelemetryApp {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        String url = args[1];
        switch (args[0]) {
            case "calls": calls(url); break;
            case "app-sdk": OtelScenarios.appSdk(url); break;
            case "global-api": OtelScenarios.globalApi(url); break;
            case "agent-server": agentServer(url); break;
            default: throw new IllegalArgumentException(args[0]);
        }
        awaitIdleAndReport();
    }

    /** With one slot: a batch call runs, and a stream queues behind it. */
    static void calls(String url) throws Exception {
        Thread batch = AppSupport.start("batch", () -> JdkClientApp.send(generate(url, false, 50, 400)
                .header("X-Rtbe-Priority", "be").build(), BodyHandlers.ofString()));
        AppSupport.awaitInFlight(1);
        String body = JdkClientApp.send(generate(url, true, 50, 200).header("X-Rtbe-Priority", "rt").build(),
                BodyHandlers.ofString()).body();
        System.out.println("STREAM-LINES " + body.lines().count());
        batch.join();
    }

    /**
     * No OpenTelemetry on the class path: the OpenTelemetry Java agent traces this server's
     * handler, which makes the LLM call. Prints the traceparent its own client call carried in.
     */
    static void agentServer(String url) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/summary", exchange -> {
            try {
                System.out.println("INBOUND-TRACEPARENT " + exchange.getRequestHeaders().getFirst("traceparent"));
                JdkClientApp.send(generate(url, true, 20, 50).build(), BodyHandlers.ofString());
                byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, ok.length);
                exchange.getResponseBody().write(ok);
            } catch (Exception e) {
                System.out.println("ERROR handler " + e);
                exchange.sendResponseHeaders(500, -1);
            } finally {
                exchange.close();
            }
        });
        server.start();
        try {
            HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + server.getAddress().getPort()
                    + "/summary").openConnection();
            c.setReadTimeout((int) Duration.ofSeconds(30).toMillis());
            try (InputStream in = c.getInputStream()) {
                System.out.println("SERVER-SAID " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } finally {
            server.stop(0);
        }
    }

    private TelemetryApp() {}
}
