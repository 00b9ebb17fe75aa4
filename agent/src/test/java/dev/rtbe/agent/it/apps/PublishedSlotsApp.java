package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.awaitCondition;
import static dev.rtbe.agent.it.apps.AppSupport.awaitIdleAndReport;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * One call to a server that publishes its slots (llama.cpp's /props), then the pool's N as JMX
 * shows it once it equals {@code args[1]}. Prints {@code KEY value} lines.
 */
public final class PublishedSlotsApp {
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    public static void main(String[] args) throws Exception {
        String base = args[0];
        int expected = Integer.parseInt(args[1]);
        HttpRequest call = HttpRequest.newBuilder(URI.create(base + "/api/generate"))
                .header("X-Sim-Prefill-Ms", "10").header("X-Sim-Gen-Ms", "10").header("X-Sim-Output-Tokens", "2")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.2\",\"prompt\":\"news\",\"stream\":false}"))
                .build();
        System.out.println("CALL " + HttpClient.newHttpClient().send(call, BodyHandlers.ofString()).statusCode());
        ObjectName pool = new ObjectName("dev.rtbe:type=Pool,server=" + ObjectName.quote("localhost:"
                + URI.create(base).getPort()) + ",model=" + ObjectName.quote("llama3.2:latest"));
        awaitCondition(() -> JMX.isRegistered(pool) && (Integer) JMX.getAttribute(pool, "TotalSlots") == expected,
                "the pool's N is the server's published slots");
        System.out.println("N " + JMX.getAttribute(pool, "TotalSlots") + " mode=" + JMX.getAttribute(pool, "Mode"));
        awaitIdleAndReport();
    }
}
