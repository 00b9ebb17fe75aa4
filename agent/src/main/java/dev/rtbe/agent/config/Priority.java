package dev.rtbe.agent.config;

/** The two scheduling classes: real-time (interactive) and best-effort (batch). */
public enum Priority {
    RT,
    BE
}
