package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.generate;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One JVM of a fleet: sends {@code count} calls of one class to the simulator, batch all at once
 * (async), real-time one after the other (streaming), and prints one line per call.
 * Args: base URL, be|rt, count, generation ms, a name for the X-Test-Id header[, a file to write the pid to].
 */
public final class FleetApp {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        boolean rt = args[1].equals("rt");
        int count = Integer.parseInt(args[2]);
        long genMs = Long.parseLong(args[3]);
        String name = args[4];
        if (args.length > 5) {
            // tell the test who we are, so it can kill -9 this JVM while it holds slots
            java.nio.file.Files.writeString(java.nio.file.Paths.get(args[5]), Long.toString(ProcessHandle.current().pid()));
        }
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            java.net.http.HttpRequest request = generate(url, rt, 10, genMs)
                    .header("X-Rtbe-Priority", rt ? "rt" : "be")
                    .header("X-Test-Id", name + "-" + args[1] + "-" + i).build();
            CompletableFuture<HttpResponse<String>> call = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            if (rt) {
                call.join(); // one after the other, as a user would
            }
            calls.add(call);
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> r = call.join();
            System.out.println((r.statusCode() == 200 ? "DONE " : "ERROR ") + r.statusCode());
        }
        System.out.println("MODE " + AppSupport.coordinationMode());
        AppSupport.awaitIdleAndReport();
    }
}
