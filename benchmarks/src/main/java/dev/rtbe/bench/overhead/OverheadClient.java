package dev.rtbe.bench.overhead;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** The measured workload: sequential generate calls; prints one latency (ns) per measured call. */
public final class OverheadClient {
    private OverheadClient() {}

    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0] + "/api/generate");
        int warmup = Integer.parseInt(args[1]);
        int calls = Integer.parseInt(args[2]);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"prompt\":\"p\",\"stream\":false}"))
                .build();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < warmup + calls; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            long took = System.nanoTime() - start;
            if (response.statusCode() != 200) {
                throw new IllegalStateException("status " + response.statusCode());
            }
            if (i >= warmup) {
                out.append(took).append('\n');
            }
        }
        System.out.print(out);
    }
}
