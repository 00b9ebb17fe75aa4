package dev.rtbe.agent.config;

/** Whether a streaming request ("stream": true) counts as real-time on its own. */
public enum StreamingMode {
    RT,
    OFF
}
