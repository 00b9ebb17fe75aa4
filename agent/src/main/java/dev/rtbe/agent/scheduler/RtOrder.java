package dev.rtbe.agent.scheduler;

/** Order in which waiting RT calls are served. BE is always FIFO. */
public enum RtOrder {
    FIFO,
    /** Newest first, for UIs where the newest request is the one a person still looks at. */
    LIFO
}
