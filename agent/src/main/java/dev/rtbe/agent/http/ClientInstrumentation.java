package dev.rtbe.agent.http;

import net.bytebuddy.agent.builder.AgentBuilder;

/** One HTTP client's hooks: whether the client is there, and the transformation to install. */
public interface ClientInstrumentation {
    /** Short name for the start-up line, e.g. {@code jdk-httpclient}. */
    String name();

    /** Whether this client can exist in this JVM at all (JDK clients: their module is there). */
    boolean isPresent();

    /**
     * A class of the client library, to tell on the start-up line whether it is on the class path
     * already; null for clients that are part of the JDK. Libraries that appear later (another
     * class loader, a nested jar) are gated all the same.
     */
    default String libraryClass() {
        return null;
    }

    /** Adds this client's transformations; may load the client's adapter classes. */
    AgentBuilder install(AgentBuilder builder) throws ReflectiveOperationException;
}
