package dev.rtbe.agent.config;

/** Where the agent's spans and metrics go. */
public enum TelemetryExporter {
    OTLP,
    LOGGING,
    NONE
}
