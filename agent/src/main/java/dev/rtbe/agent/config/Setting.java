package dev.rtbe.agent.config;

import java.util.Locale;
import java.util.Optional;

/** The definition of one setting: one row of {@link SettingDefinitions}. */
public final class Setting<T> {
    private final String name;
    private final SettingType<T> type;
    private final String defaultValue; // raw, parsed by type; null when derived from other settings
    private final String defaultText;
    private final SeedVariable seed;
    private final String description;

    Setting(String name, SettingType<T> type, String defaultValue, String defaultText, SeedVariable seed,
            String description) {
        this.name = name;
        this.type = type;
        this.defaultValue = defaultValue;
        this.defaultText = defaultText;
        this.seed = seed;
        this.description = description;
    }

    /** {@code rtbe.slots.rt-reserved} -> {@code RTBE_SLOTS_RT_RESERVED}. */
    public static String envNameOf(String name) {
        return name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public String name() {
        return name;
    }

    public String envName() {
        return envNameOf(name);
    }

    public SettingType<T> type() {
        return type;
    }

    /** The default in setting syntax; empty when another setting determines it. */
    public Optional<String> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    /** The default as documented, e.g. "min(1, total - 1)". */
    public String defaultText() {
        return defaultText;
    }

    public Optional<SeedVariable> seed() {
        return Optional.ofNullable(seed);
    }

    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return name;
    }
}
