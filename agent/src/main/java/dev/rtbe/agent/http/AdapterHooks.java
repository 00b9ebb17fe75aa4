package dev.rtbe.agent.http;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;

/**
 * A client adapter's hooks per class of the client library (so per class loader that has the
 * library: an application may carry several copies), loaded beside that loader by
 * {@link AdapterClassLoader} and dropped with the class. A class whose adapter fails to load gets
 * {@code none} (its calls stay ungated) and one warning.
 */
public final class AdapterHooks<T> extends ClassValue<T> {
    private final String client;
    private final String implementation;
    private final Class<T> type;
    private final T none;

    public AdapterHooks(String client, String implementation, Class<T> type, T none) {
        this.client = client;
        this.implementation = implementation;
        this.type = type;
        this.none = none;
    }

    /** The hooks for the library that {@code libraryObject} comes from; {@code none} for null. */
    public T of(Object libraryObject) {
        return libraryObject == null ? none : get(libraryObject.getClass());
    }

    @Override
    protected T computeValue(Class<?> libraryClass) {
        try {
            return AdapterClassLoader.instantiate(implementation, libraryClass.getClassLoader(), type);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            AgentRuntime runtime = AgentRuntime.current();
            AgentLog log = runtime == null ? AgentLog.stderr() : runtime.log();
            log.warn(client + " calls from " + libraryClass.getClassLoader() + " stay ungated: its adapter failed to load: " + e);
            return none;
        }
    }
}
