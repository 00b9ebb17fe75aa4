package dev.rtbe.agent.pool;

import java.util.Objects;

/** One pool's identity: the server and the model (normalised; {@link #DEFAULT_MODEL} for the default pool). */
public final class PoolKey {
    /** The model of a server's default pool: calls whose model is unknown, or past the pool cap. */
    public static final String DEFAULT_MODEL = "_default";
    /** The model of a server's pass-through for routes that run no model. */
    public static final String UNGATED_MODEL = "_ungated";

    private final String server;
    private final String model;

    public PoolKey(String server, String model) {
        this.server = Objects.requireNonNull(server, "server");
        this.model = Objects.requireNonNull(model, "model");
    }

    public String server() {
        return server;
    }

    public String model() {
        return model;
    }

    public boolean isDefault() {
        return DEFAULT_MODEL.equals(model);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolKey && ((PoolKey) o).server.equals(server) && ((PoolKey) o).model.equals(model);
    }

    @Override
    public int hashCode() {
        return server.hashCode() * 31 + model.hashCode();
    }

    /** {@code localhost:11434/llama3.2:3b}. */
    @Override
    public String toString() {
        return server + "/" + model;
    }
}
