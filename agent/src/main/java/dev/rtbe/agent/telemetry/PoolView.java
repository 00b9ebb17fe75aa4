package dev.rtbe.agent.telemetry;

import dev.rtbe.agent.scheduler.SchedulerSnapshot;

/** What metrics read from one pool (server, model) at each collection. */
public interface PoolView {
    /** The server's name: the endpoint's configured name, or host:port. */
    String server();

    /** The model, or {@code _default} for the server's default pool. */
    String model();

    /** {@code fixed} or {@code auto}. */
    String mode();

    /** The pool's scheduler state; its total slots are the current N. */
    SchedulerSnapshot snapshot();

    /** True once a call waited inside the server while it was the pool's only call. */
    boolean outsideCallsDetected();
}
