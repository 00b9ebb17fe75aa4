package dev.rtbe.sample.demo.pools;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Reads the agent's pools from this JVM's platform MBean server, as any JMX console would:
 * {@code dev.rtbe:type=Pool,server=...,model=...}, attribute {@value #N_ATTRIBUTE}. Records every change
 * of a pool's N (the application needs no agent API: without the agent there is simply no pool).
 */
final class PoolMonitor implements AutoCloseable {
    static final String N_ATTRIBUTE = "TotalSlots";

    private final long periodNanos;
    private final List<NSample> samples = new ArrayList<>();
    private final Map<String, Integer> last = new HashMap<>();
    private final Thread thread;
    private volatile boolean stop;

    PoolMonitor(long periodNanos) {
        this.periodNanos = periodNanos;
        this.thread = new Thread(this::loop, "pool-monitor");
        thread.setDaemon(true);
    }

    PoolMonitor start() {
        thread.start();
        return this;
    }

    private void loop() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName pattern;
        try {
            pattern = new ObjectName("dev.rtbe:type=Pool,*");
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
        while (!stop) {
            sample(server, pattern);
            LockSupport.parkNanos(periodNanos);
        }
        sample(server, pattern);
    }

    private void sample(MBeanServer server, ObjectName pattern) {
        long now = System.nanoTime();
        for (ObjectName name : server.queryNames(pattern, null)) {
            String model = name.getKeyProperty("model");
            if (model == null) {
                continue;
            }
            if (model.startsWith("\"")) {
                model = ObjectName.unquote(model);
            }
            try {
                int n = ((Number) server.getAttribute(name, N_ATTRIBUTE)).intValue();
                Integer before = last.put(model, n);
                if (before == null || before != n) {
                    synchronized (samples) {
                        samples.add(new NSample(model, now, n));
                    }
                }
            } catch (javax.management.JMException e) {
                // The pool went away between query and read, or the agent names the attribute otherwise: skip it.
            }
        }
    }

    /** The changes seen, timed from {@code t0} (the run's start; earlier ones are negative). */
    List<NSample> samples(long t0) {
        synchronized (samples) {
            return samples.stream().map(s -> new NSample(s.model(), s.tNs() - t0, s.n())).toList();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join();
    }
}
