package dev.rtbe.agent.it.apps;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** What the forked test applications share: request building and the agent's JMX view. */
final class AppSupport {
    static {
        // These applications watch the agent over JMX, as an operator would: the agent registers its
        // views once JMX is first used, so JMX is used at once, not first in the middle of a timed scenario.
        ManagementFactory.getPlatformMBeanServer();
    }

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

    /**
     * An attribute of the agent's scheduler view. The agent registers its views on a thread of its
     * own once its first HTTP client class has loaded and JMX is used, so a view may come a moment
     * after the first call: it is waited for.
     */
    static Object mbean(String attribute) throws Exception {
        return view("dev.rtbe:type=Scheduler", attribute);
    }

    /** The agent's coordination mode (local, redis, fallback), from its JMX view. */
    static Object coordinationMode() throws Exception {
        return view("dev.rtbe:type=Coordination", "Mode");
    }

    private static Object view(String name, String attribute) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName view = new ObjectName(name);
        awaitCondition(() -> server.isRegistered(view), "the agent's JMX view " + name);
        return server.getAttribute(view, attribute);
    }

    /**
     * Whether the agent runs here: its runtime, installed as the first HTTP client class loads,
     * read from the boot class path the agent put its jar on.
     */
    static boolean agentRunning() throws Exception {
        try {
            return Class.forName("dev.rtbe.agent.call.AgentRuntime", false, null).getMethod("current").invoke(null)
                    != null;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** Whether the agent's jar is on the boot class path (premain leaves it off until a client loads). */
    static boolean onBootClassPath() {
        try {
            Class.forName("dev.rtbe.agent.AgentStarter", false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    static int inFlight() throws Exception {
        return (Integer) mbean("RtInFlight") + (Integer) mbean("BeInFlight");
    }

    static int queued() throws Exception {
        return (Integer) mbean("RtQueued") + (Integer) mbean("BeQueued");
    }

    /** Waits until the agent holds no slot and queues nobody; prints the state either way. */
    static void awaitIdleAndReport() throws Exception {
        if (!agentRunning()) {
            System.out.println("STATE agent-off");
            return;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while ((inFlight() != 0 || queued() != 0) && System.nanoTime() < deadline) {
            Thread.sleep(5); // polling a condition with a deadline, not a fixed delay
        }
        System.out.println("STATE inFlight=" + inFlight() + " queued=" + queued());
    }

    interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} on a new thread named {@code name}; a failure is printed as an ERROR line. */
    static Thread start(String name, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                System.out.println("ERROR " + Thread.currentThread().getName() + " " + e);
            }
        }, name);
        t.start();
        return t;
    }

    static void awaitInFlight(int n) throws Exception {
        awaitCondition(() -> inFlight() == n, "in flight == " + n);
    }

    static void awaitQueued(int n) throws Exception {
        awaitCondition(() -> queued() == n, "queued == " + n);
    }

    interface Check {
        boolean holds() throws Exception;
    }

    /**
     * Polls a condition until it holds, failing after 60 s: a wait on a condition, not a fixed delay. Generous:
     * on a busy machine (tests run two at a time, beside other builds) a client's first call may take long to go out.
     */
    static void awaitCondition(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }

    /** Reads a request up to the blank line that ends its head (for the tests' tiny raw servers). */
    static void drainRequestHead(java.io.InputStream in) throws java.io.IOException {
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return;
            }
        }
    }
}
