package dev.rtbe.agent.jmx;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Registers the JMX view when JMX is first used in the JVM, not at the agent's start: the platform
 * MBean server costs about 250 classes (and starts {@code java.util.logging}), which a JVM that
 * nobody watches over JMX need not pay. The agent weaves a call to {@link #platformServerAsked()}
 * into {@code ManagementFactory.getPlatformMBeanServer()}, through which every JMX user finds the
 * server (a local or remote JMX agent, JConsole attaching, a metrics library); if that class was
 * loaded before the agent started, the server may exist already and the view is registered at once.
 */
public final class JmxOnDemand {
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private JmxOnDemand() {}

    /** From the hook on {@code getPlatformMBeanServer()} (which holds its class's lock): registers off this thread. */
    public static void platformServerAsked() {
        AgentRuntime runtime = AgentRuntime.current();
        if (runtime != null) {
            registerInBackground(runtime, runtime.log());
        }
    }

    /** Registers the view on a daemon thread of its own, once per JVM. */
    public static void registerInBackground(AgentRuntime runtime, AgentLog log) {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(new Registration(runtime, log), "rtbe-jmx-register");
        t.setDaemon(true);
        t.start();
    }

    private static final class Registration implements Runnable {
        private final AgentRuntime runtime;
        private final AgentLog log;

        Registration(AgentRuntime runtime, AgentLog log) {
            this.runtime = runtime;
            this.log = log;
        }

        @Override
        public void run() {
            SchedulerMBeanRegistrar.register(runtime, log);
        }
    }
}
