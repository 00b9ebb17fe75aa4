package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.awaitCondition;
import static dev.rtbe.agent.it.apps.AppSupport.awaitIdleAndReport;
import static dev.rtbe.agent.it.apps.AppSupport.start;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Pools seen from a plain application: a chat model held busy on one server while an embedding
 * call, another model, a route that runs no model and another server all go through, and a server
 * whose N is set above its real slots, which the wait inside the server shows. Prints
 * {@code KEY value} lines; it knows nothing of the agent except its JMX view.
 */
public final class PoolsApp {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    public static void main(String[] args) throws Exception {
        String local = args[0];
        String gpu = args[1];
        String localServer = "localhost:" + URI.create(local).getPort();

        AtomicBoolean chatDone = new AtomicBoolean();
        Thread chat = start("batch-chat", () -> {
            System.out.println("CHAT " + CLIENT.send(generate(local, "llama3.2", 5000, "chat-1"), BodyHandlers.ofString())
                    .statusCode());
            chatDone.set(true);
        });
        ObjectName chatPool = pool(localServer, "llama3.2:latest");
        awaitCondition(() -> JMX.isRegistered(chatPool) && (Integer) JMX.getAttribute(chatPool, "BeInFlight") == 1,
                "the chat call holds its pool's slot");
        Thread queued = start("batch-chat-2", () -> System.out.println("CHAT-2 "
                + CLIENT.send(generate(local, "llama3.2", 10, "chat-2"), BodyHandlers.ofString()).statusCode()));
        awaitCondition(() -> (Integer) JMX.getAttribute(chatPool, "BeQueued") == 1, "a second chat call waits");

        int embed = CLIENT.send(HttpRequest.newBuilder(URI.create(local + "/api/embed"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"nomic-embed-text\",\"input\":\"news\"}")).build(),
                BodyHandlers.ofString()).statusCode();
        System.out.println("EMBED " + embed + " chat-running=" + !chatDone.get());
        int other = CLIENT.send(generate(local, "qwen3", 10, "other-model"), BodyHandlers.ofString()).statusCode();
        System.out.println("OTHER-MODEL " + other + " chat-running=" + !chatDone.get());
        int tags = CLIENT.send(HttpRequest.newBuilder(URI.create(local + "/api/tags")).GET().build(),
                BodyHandlers.ofString()).statusCode();
        System.out.println("TAGS " + tags + " chat-running=" + !chatDone.get());

        // N = 2 (R = 0) for this server while it runs one call at a time: the second call waits inside it
        List<CompletableFuture<Integer>> onGpu = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            onGpu.add(CLIENT.sendAsync(generate(gpu, "llama3.2", 300, "gpu-" + i), BodyHandlers.ofString())
                    .thenApply(r -> r.statusCode()));
        }
        System.out.println("GPU " + onGpu.get(0).join() + " " + onGpu.get(1).join() + " chat-running=" + !chatDone.get());

        chat.join();
        queued.join();
        ObjectName gpuPool = pool("gpu", "llama3.2:latest");
        awaitCondition(() -> JMX.isRegistered(gpuPool), "the gpu pool's view");
        System.out.println("GPU-WAIT " + JMX.getAttribute(gpuPool, "ServerQueueWaitMeanSeconds"));
        Set<String> pools = new TreeSet<>();
        for (ObjectName name : JMX.queryNames(new ObjectName("dev.rtbe:type=Pool,*"), null)) {
            pools.add(JMX.getAttribute(name, "Server") + "/" + JMX.getAttribute(name, "Model")
                    + " N=" + JMX.getAttribute(name, "TotalSlots") + " mode=" + JMX.getAttribute(name, "Mode"));
        }
        for (String p : pools) {
            System.out.println("POOL " + p);
        }
        awaitIdleAndReport();
    }

    /** The agent's documented name: a value is quoted when it holds a character ObjectName reserves. */
    private static ObjectName pool(String server, String model) throws Exception {
        return new ObjectName("dev.rtbe:type=Pool,server=" + quoted(server) + ",model=" + quoted(model));
    }

    private static String quoted(String value) {
        return value.matches(".*[,=:\"*?\\\\\n].*") ? ObjectName.quote(value) : value;
    }

    private static HttpRequest generate(String baseUrl, String model, long genMs, String id) {
        return HttpRequest.newBuilder(URI.create(baseUrl + "/api/generate"))
                .header("X-Sim-Prefill-Ms", "10")
                .header("X-Sim-Gen-Ms", Long.toString(genMs))
                .header("X-Sim-Output-Tokens", "5")
                .header("X-Test-Id", id)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"prompt\":\"news\",\"stream\":false}"))
                .build();
    }
}
