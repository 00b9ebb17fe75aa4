package dev.rtbe.agent.config;

/** Order in which waiting real-time calls are served. LIFO suits UIs that abandon older requests. */
public enum RtOrder {
    FIFO,
    LIFO
}
