package dev.rtbe.agent.it.apps;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** What the forked test applications share: request building and the agent's JMX view. */
final class AppSupport {
    private AppSupport() {}

    static String generateBody(boolean stream) {
        return "{\"model\":\"llama3.2:latest\",\"prompt\":\"Summarise the news\",\"stream\":" + stream + "}";
    }

    /** A generate request whose server-side durations (ms) are fixed through the simulator's headers. */
    static HttpRequest.Builder generate(String baseUrl, boolean stream, long prefillMs, long genMs) {
        return HttpRequest.newBuilder(URI.create(baseUrl + "/api/generate"))
                .header("X-Sim-Prefill-Ms", Long.toString(prefillMs))
                .header("X-Sim-Gen-Ms", Long.toString(genMs))
                .header("X-Sim-Output-Tokens", "10")
                .POST(HttpRequest.BodyPublishers.ofString(generateBody(stream)));
    }

    static Object mbean(String attribute) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        return server.getAttribute(new ObjectName("dev.rtbe:type=Scheduler"), attribute);
    }

    static int inFlight() throws Exception {
        return (Integer) mbean("RtInFlight") + (Integer) mbean("BeInFlight");
    }

    static int queued() throws Exception {
        return (Integer) mbean("RtQueued") + (Integer) mbean("BeQueued");
    }

    /** Waits until the agent holds no slot and queues nobody; prints the state either way. */
    static void awaitIdleAndReport() throws Exception {
        if (!ManagementFactory.getPlatformMBeanServer().isRegistered(new ObjectName("dev.rtbe:type=Scheduler"))) {
            System.out.println("STATE agent-off");
            return;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while ((inFlight() != 0 || queued() != 0) && System.nanoTime() < deadline) {
            Thread.sleep(5); // polling a condition with a deadline, not a fixed delay
        }
        System.out.println("STATE inFlight=" + inFlight() + " queued=" + queued());
    }
}
