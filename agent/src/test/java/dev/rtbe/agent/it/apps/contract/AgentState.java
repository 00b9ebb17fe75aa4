package dev.rtbe.agent.it.apps.contract;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** The agent's scheduler as an operator sees it (JMX), and waits on it with a deadline. */
final class AgentState {
    private AgentState() {}

    /** Registered by the agent on a thread of its own once a client class has loaded and JMX is used: waited for. */
    static Object mbean(String attribute) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName scheduler = new ObjectName("dev.rtbe:type=Scheduler");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!server.isRegistered(scheduler) && System.nanoTime() < deadline) {
            Thread.sleep(2); // polling a condition with a deadline, not a fixed delay
        }
        return server.getAttribute(scheduler, attribute);
    }

    static int inFlight() throws Exception {
        return (Integer) mbean("RtInFlight") + (Integer) mbean("BeInFlight");
    }

    static int queued() throws Exception {
        return (Integer) mbean("RtQueued") + (Integer) mbean("BeQueued");
    }

    static long grants() throws Exception {
        return (Long) mbean("RtGranted") + (Long) mbean("BeGranted");
    }

    interface Check {
        boolean holds() throws Exception;
    }

    /** Polls a condition until it holds, failing after 20 s: a wait on a condition, not a fixed delay. */
    static void await(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what + " (inFlight=" + inFlight()
                        + " queued=" + queued() + ")");
            }
            Thread.sleep(2);
        }
    }

    static void awaitInFlight(int n) throws Exception {
        await(() -> inFlight() == n, "in flight == " + n);
    }

    static void awaitQueued(int n) throws Exception {
        await(() -> queued() == n, "queued == " + n);
    }

    static void awaitIdle() throws Exception {
        await(() -> inFlight() == 0 && queued() == 0, "idle");
    }
}
