package dev.rtbe.agent.config;

import static dev.rtbe.agent.config.SettingDefinitions.CONFIG_FILE;
import static dev.rtbe.agent.config.SettingDefinitions.STRICT;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Reads every source, applies precedence (system property > agent argument > environment > file >
 * seed variables > default), parses and validates. Sources are injected so tests need no real
 * environment; {@link #fromSystem} is the production wiring.
 */
public final class SettingsLoader {
    private static final String PREFIX = "rtbe.";
    private static final String ENV_PREFIX = "RTBE_";

    /** Reads a whole text file; production reads the file system as UTF-8. */
    @FunctionalInterface
    public interface FileReader {
        String read(String path) throws IOException;
    }

    private final Map<String, String> systemProperties;
    private final String agentArgs;
    private final Map<String, String> environment;
    private final FileReader files;

    public SettingsLoader(Map<String, String> systemProperties, String agentArgs, Map<String, String> environment,
                          FileReader files) {
        this.systemProperties = new TreeMap<>(systemProperties); // sorted: warnings in a stable order
        this.agentArgs = agentArgs;
        this.environment = new TreeMap<>(environment);
        this.files = files;
    }

    /** This JVM's system properties and environment, with the string given to premain/agentmain. */
    public static SettingsLoader fromSystem(String agentArgs) {
        Map<String, String> props = new HashMap<>();
        Map<String, String> env = Collections.emptyMap();
        try {
            Properties system = System.getProperties();
            for (String key : system.stringPropertyNames()) {
                String value = system.getProperty(key);
                if (value != null) { // removed concurrently
                    props.put(key, value);
                }
            }
            env = System.getenv();
        } catch (SecurityException e) {
            // A security manager may deny either; what could be read still configures the agent.
        }
        return new SettingsLoader(props, agentArgs, env, new FileReader() { // not a lambda: premain spins none
            @Override
            public String read(String path) throws IOException {
                return new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.UTF_8);
            }
        });
    }

    /**
     * @return the settings, with warnings attached
     * @throws InvalidSettingsException listing every bad setting; the only exception this throws
     */
    public Settings load() {
        List<SettingProblem> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();

        Map<String, RawValue> system = prefixed(systemProperties, Source.SYSTEM_PROPERTY, null, warnings);
        AgentArgs args = AgentArgs.parse(agentArgs);
        problems.addAll(args.problems);
        warnings.addAll(args.warnings);
        Map<String, RawValue> arguments = prefixed(args.values, Source.AGENT_ARGUMENT, null, warnings);
        Map<String, RawValue> env = environment(problems, warnings);
        RawValue fileName = first(CONFIG_FILE.name(), Arrays.asList(system, arguments, env));
        Map<String, RawValue> file = file(fileName, problems, warnings);
        List<Map<String, RawValue>> layers = Arrays.asList(system, arguments, env, file, seedVariables());

        Resolved resolved = new Resolved();
        for (Setting<?> setting : SettingDefinitions.all()) {
            resolve(setting, first(setting.name(), layers), resolved, problems);
        }
        CrossFieldRules.apply(resolved, problems, warnings);
        PoolOverrides pools = PoolOverrides.parse(layers, resolved.get(SettingDefinitions.ENDPOINTS), resolved, problems);
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems, warnings, Boolean.TRUE.equals(resolved.get(STRICT)));
        }
        return new Settings(resolved, warnings, pools);
    }

    private static <T> void resolve(Setting<T> setting, RawValue raw, Resolved resolved, List<SettingProblem> problems) {
        if (raw == null) {
            Optional<String> defaultValue = setting.defaultValue();
            if (defaultValue.isPresent()) {
                resolved.put(setting, parseDefault(setting, defaultValue.get()), Source.DEFAULT.label);
            }
            return; // derived defaults are CrossFieldRules' job
        }
        resolved.explicit.put(setting, raw);
        try {
            String text = raw.seed == null ? raw.value : raw.seed.translate(raw.value);
            resolved.put(setting, setting.type().parse(text), raw.origin());
        } catch (BadValueException e) {
            String allowed = e.allowedOverride() != null ? e.allowedOverride() : setting.type().allowed();
            problems.add(new SettingProblem(setting.name(), raw.value, raw.origin(), e.reason(), allowed));
        }
    }

    private static <T> T parseDefault(Setting<T> setting, String value) {
        try {
            return setting.type().parse(value);
        } catch (BadValueException e) {
            // A broken row in SettingDefinitions; the registry tests parse every default.
            throw new IllegalStateException("default of " + setting.name() + ": " + e.reason(), e);
        }
    }

    private static RawValue first(String name, List<Map<String, RawValue>> layers) {
        for (Map<String, RawValue> layer : layers) {
            RawValue value = layer.get(name);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /** Keys that start with "rtbe." (all keys for a source that has nothing else); others are not ours. */
    private static Map<String, RawValue> prefixed(Map<String, String> source, Source kind, String detail,
                                                  List<String> warnings) {
        Map<String, RawValue> result = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : source.entrySet()) {
            String key = e.getKey().trim();
            if (kind == Source.SYSTEM_PROPERTY && !key.startsWith(PREFIX)) {
                continue;
            }
            RawValue raw = new RawValue(e.getValue(), kind, detail, null);
            if (PoolOverrides.isPoolKey(key)) {
                result.put(key, raw); // per-server and per-model keys: PoolOverrides reads and checks them
            } else if (SettingDefinitions.byName(key) == null) {
                warnings.add(unknown(key, raw.origin(), SettingDefinitions.names(), PREFIX));
            } else {
                result.put(key, raw);
            }
        }
        return result;
    }

    private static String envKeys(String variable) {
        List<String> keys = new ArrayList<>();
        for (String key : PoolOverrides.keysOf(variable.startsWith("RTBE_MODEL_"))) {
            keys.add(Setting.envNameOf(key));
        }
        return String.join(", ", keys);
    }

    private Map<String, RawValue> environment(List<SettingProblem> problems, List<String> warnings) {
        Map<String, RawValue> result = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : environment.entrySet()) {
            String variable = e.getKey();
            if (!variable.startsWith(ENV_PREFIX) || isUnset(e.getValue())) {
                continue;
            }
            Setting<?> setting = SettingDefinitions.byEnvName(variable);
            RawValue raw = new RawValue(e.getValue(), Source.ENVIRONMENT, variable, null);
            if (setting == null && PoolOverrides.isPoolVariable(variable)) {
                String key = PoolOverrides.keyOfVariable(variable);
                if (key == null) {
                    problems.add(new SettingProblem(variable, e.getValue(), Source.ENVIRONMENT.label,
                            "ends in no key of " + (variable.startsWith("RTBE_SERVER_") ? "RTBE_SERVER_<NAME>_<KEY>"
                                    : "RTBE_MODEL_<ALIAS>_<KEY>"), "a KEY of " + envKeys(variable)));
                } else {
                    result.put(key, raw);
                }
            } else if (setting == null) {
                warnings.add(unknown(variable, Source.ENVIRONMENT.label, SettingDefinitions.envNames(), ENV_PREFIX));
            } else {
                result.put(setting.name(), raw);
            }
        }
        return result;
    }

    private Map<String, RawValue> seedVariables() {
        Map<String, RawValue> result = new HashMap<>();
        for (Setting<?> setting : SettingDefinitions.all()) {
            if (setting.seed().isPresent()) {
                SeedVariable seed = setting.seed().get();
                String value = environment.get(seed.name());
                if (!isUnset(value)) {
                    result.put(setting.name(), new RawValue(value, Source.SEED, seed.name(), seed));
                }
            }
        }
        return result;
    }

    /** An empty variable counts as unset, as compose files produce them from ${X:-}. */
    private static boolean isUnset(String value) {
        return value == null || value.trim().isEmpty();
    }

    private Map<String, RawValue> file(RawValue name, List<SettingProblem> problems, List<String> warnings) {
        if (name == null || name.value.trim().isEmpty() || name.value.trim().equalsIgnoreCase("none")) {
            return Collections.emptyMap(); // an empty name is reported when rtbe.config.file is parsed
        }
        String path = name.value.trim();
        Properties properties = new Properties();
        try {
            String text = files.read(path);
            if (text == null) {
                throw new IOException("no content");
            }
            properties.load(new StringReader(text));
        } catch (IOException | RuntimeException e) { // a malformed \\u escape is an IllegalArgumentException
            problems.add(new SettingProblem(CONFIG_FILE.name(), name.value, name.origin(),
                    "cannot read the file: " + describe(e), "a readable java.util.Properties file"));
            return Collections.emptyMap();
        }
        Map<String, String> entries = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (key.trim().equals(CONFIG_FILE.name())) {
                warnings.add(CONFIG_FILE.name() + " in the properties file " + path + " has no effect; name the file"
                        + " with a system property, the agent argument or RTBE_CONFIG_FILE");
            } else {
                entries.put(key, properties.getProperty(key));
            }
        }
        return prefixed(entries, Source.FILE, path, warnings);
    }

    private static String describe(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static String unknown(String key, String origin, Collection<String> known, String prefix) {
        Optional<String> nearest = NameSuggester.nearest(key, known, prefix);
        return "unknown setting " + key + " (" + origin + "); "
                + nearest.map(n -> "did you mean " + n + "?").orElse("ignored");
    }
}
