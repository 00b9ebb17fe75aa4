package dev.rtbe.agent.http;

import net.bytebuddy.agent.builder.AgentBuilder;

/** One HTTP client's hooks: whether the client is there, and the transformation to install. */
public interface ClientInstrumentation {
    /** Short name for the start-up line, e.g. {@code jdk-httpclient}. */
    String name();

    /** Whether the client's classes are available to the application at start-up. */
    boolean isPresent();

    /** Adds this client's transformations; may load the client's adapter classes. */
    AgentBuilder install(AgentBuilder builder) throws ReflectiveOperationException;
}
