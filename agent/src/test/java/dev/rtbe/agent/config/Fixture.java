package dev.rtbe.agent.config;

import java.nio.file.NoSuchFileException;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** Builds a {@link SettingsLoader} from in-memory sources. */
final class Fixture {
    private final Map<String, String> system = new HashMap<>();
    private final Map<String, String> env = new HashMap<>();
    private final Map<String, String> files = new HashMap<>();
    private String args = "";

    Fixture sys(String key, String value) {
        system.put(key, value);
        return this;
    }

    Fixture env(String key, String value) {
        env.put(key, value);
        return this;
    }

    Fixture args(String value) {
        args = value;
        return this;
    }

    Fixture file(String path, String content) {
        files.put(path, content);
        return this;
    }

    SettingsLoader loader() {
        return new SettingsLoader(system, args, env, path -> {
            String content = files.get(path);
            if (content == null) {
                throw new NoSuchFileException(path);
            }
            return content;
        });
    }

    Settings load() {
        return loader().load();
    }

    InvalidSettingsException fail() {
        return assertThrows(InvalidSettingsException.class, this::load);
    }
}
