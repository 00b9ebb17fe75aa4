package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.generate;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One JVM of a fleet: sends {@code count} calls of one class to the simulator, batch all at once
 * (async), real-time one after the other (streaming), and prints one line per call.
 * Args: base URL, be|rt, count, generation ms, a name for the X-Test-Id header[, a ready file[, a hold gate]].
 * The ready file (batch only) gets this JVM's pid once every call holds a slot or waits in the fleet's
 * queue, so the test knows what is queued (and whom to kill). The hold gate is sent as the simulator's
 * X-Sim-Hold: each call keeps its slot at the server until the test opens that gate.
 */
public final class FleetApp {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        boolean rt = args[1].equals("rt");
        int count = Integer.parseInt(args[2]);
        long genMs = Long.parseLong(args[3]);
        String name = args[4];
        Path ready = args.length > 5 ? Paths.get(args[5]) : null;
        String hold = args.length > 6 ? args[6] : null;
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            HttpRequest.Builder request = generate(url, rt, 10, genMs)
                    .header("X-Rtbe-Priority", rt ? "rt" : "be")
                    .header("X-Test-Id", name + "-" + args[1] + "-" + i);
            if (hold != null) {
                request.header("X-Sim-Hold", hold);
            }
            CompletableFuture<HttpResponse<String>> call = client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
            if (rt) {
                call.join(); // one after the other, as a user would
            }
            calls.add(call);
        }
        if (ready != null && !rt) {
            AppSupport.awaitCondition(() -> AppSupport.inFlight() + AppSupport.queued() == count,
                    "all " + count + " calls in flight or queued");
            Path partial = Paths.get(ready + ".partial");
            Files.writeString(partial, Long.toString(ProcessHandle.current().pid()));
            Files.move(partial, ready, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> r = call.join();
            System.out.println((r.statusCode() == 200 ? "DONE " : "ERROR ") + r.statusCode());
        }
        System.out.println("MODE " + AppSupport.coordinationMode());
        AppSupport.awaitIdleAndReport();
    }
}
