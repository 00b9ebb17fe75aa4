package dev.rtbe.sample.demo.pools;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * When the load of a pools run stops: once its length has passed, and not before every chat model has
 * finished {@code minCalls} calls. A learning run is judged by its calls (N is learned from calls and
 * judged over the second half of the run), and on a starved machine the JVM's start and first calls
 * can take half of a short run's seconds.
 */
final class RunEnd {
    private final long t0;
    private final long lengthNs;
    private final int minCalls;
    private final Map<String, AtomicInteger> finished = new ConcurrentHashMap<>();

    RunEnd(long t0, long lengthNs, List<String> chatModels, int minCalls) {
        this.t0 = t0;
        this.lengthNs = lengthNs;
        this.minCalls = minCalls;
        chatModels.forEach(m -> finished.put(m, new AtomicInteger()));
    }

    /** True while the load goes on. */
    boolean goesOn() {
        if (System.nanoTime() - t0 < lengthNs) {
            return true;
        }
        return finished.values().stream().anyMatch(n -> n.get() < minCalls);
    }

    /** A call of {@code model} ended (chat models only count). */
    void finished(String model) {
        AtomicInteger n = finished.get(model);
        if (n != null) {
            n.incrementAndGet();
        }
    }
}
