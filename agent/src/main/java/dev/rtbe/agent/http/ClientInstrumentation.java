package dev.rtbe.agent.http;

import java.util.List;

/** One HTTP client's hooks: whether the client is there, and the methods to weave. */
public interface ClientInstrumentation {
    /** Short name for the start-up line, e.g. {@code jdk-httpclient}. */
    String name();

    /** Whether this client can exist in this JVM at all (JDK clients: their module is there). */
    boolean isPresent();

    /**
     * Packages (internal form, e.g. {@code okhttp3/}) or class name prefixes that hold every class
     * this client instruments: the first class loaded under one of them starts the agent's
     * instrumentation, before any of that code runs.
     */
    List<String> classPrefixes();

    /** This client's classes and the methods to weave in them; may load the client's adapter classes. */
    List<ClassHooks> hooks() throws ReflectiveOperationException;
}
