package dev.rtbe.agent.config;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Typed values found so far in one load, each with its source; the working state before {@link Settings}. */
final class Resolved {
    final Map<Setting<?>, Object> values = new LinkedHashMap<>();
    final Map<Setting<?>, String> sources = new HashMap<>();
    final Map<Setting<?>, RawValue> explicit = new HashMap<>(); // values written by someone, not defaults

    <T> void put(Setting<T> setting, T value, String source) {
        values.put(setting, value);
        sources.put(setting, source);
    }

    /** The value, or null when it is missing because it was bad (already reported). */
    @SuppressWarnings("unchecked")
    <T> T get(Setting<T> setting) {
        return (T) values.get(setting);
    }

    boolean isExplicit(Setting<?> setting) {
        return explicit.containsKey(setting);
    }
}
