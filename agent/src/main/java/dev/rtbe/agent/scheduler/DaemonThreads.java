package dev.rtbe.agent.scheduler;

import java.util.concurrent.ThreadFactory;

/** Daemon threads with the agent's name for them: a class, not a lambda (none is spun on the agent's start). */
public final class DaemonThreads implements ThreadFactory {
    private final String name;

    public DaemonThreads(String name) {
        this.name = name;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
