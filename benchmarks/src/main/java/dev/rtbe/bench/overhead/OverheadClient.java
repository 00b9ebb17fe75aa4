package dev.rtbe.bench.overhead;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * The measured workload: sequential generate calls; prints one latency (ns) per measured call,
 * then {@code cpu N}: the CPU time (ns) the whole JVM spent on the measured calls, every thread
 * (the agent's included).
 */
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
        long cpuAtStart = 0;
        for (int i = 0; i < warmup + calls; i++) {
            if (i == warmup) {
                cpuAtStart = processCpuNanos();
            }
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
        out.append("cpu ").append(processCpuNanos() - cpuAtStart).append('\n');
        System.out.print(out);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
