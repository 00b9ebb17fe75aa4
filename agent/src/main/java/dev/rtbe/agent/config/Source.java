package dev.rtbe.agent.config;

/** The layers a value can come from, highest precedence first. */
enum Source {
    SYSTEM_PROPERTY("system property"),
    AGENT_ARGUMENT("agent argument"),
    ENVIRONMENT("environment variable"),
    FILE("properties file"),
    SEED("seed variable"),
    DEFAULT("default");

    final String label;

    Source(String label) {
        this.label = label;
    }
}
