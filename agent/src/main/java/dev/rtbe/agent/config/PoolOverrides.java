package dev.rtbe.agent.config;

import static dev.rtbe.agent.config.SettingDefinitions.PREEMPTION;
import static dev.rtbe.agent.config.SettingDefinitions.QUEUE_BE_MAX_LENGTH;
import static dev.rtbe.agent.config.SettingDefinitions.QUEUE_BE_MAX_WAIT;
import static dev.rtbe.agent.config.SettingDefinitions.QUEUE_RT_MAX_LENGTH;
import static dev.rtbe.agent.config.SettingDefinitions.QUEUE_RT_MAX_WAIT;
import static dev.rtbe.agent.config.SettingDefinitions.SLOTS_MAX;
import static dev.rtbe.agent.config.SettingDefinitions.SLOTS_RT_RESERVED;
import static dev.rtbe.agent.config.SettingDefinitions.SLOTS_TOTAL;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Per-server and per-model settings. Every pool (server, model) starts from the global
 * {@code rtbe.*} values; a named server may override them with {@code rtbe.server.<name>.<key>},
 * a model with {@code rtbe.model.<alias>.<key>}, where {@code rtbe.model.<alias>.name} names the
 * model (model names hold {@code : . / -}, which no key or environment variable can carry) and the
 * optional {@code rtbe.model.<alias>.server} limits the alias to one server. The nearest level wins:
 * model on that server, model, server, global. Keys are those of {@link #KEYS} without "rtbe.";
 * the environment form is {@code RTBE_SERVER_GPU_SLOTS_TOTAL}, {@code RTBE_MODEL_CHAT_NAME}.
 */
public final class PoolOverrides {
    public static final PoolOverrides NONE = new PoolOverrides(Collections.emptyMap(), Collections.emptyList());

    static final String SERVER_PREFIX = "rtbe.server.";
    static final String MODEL_PREFIX = "rtbe.model.";
    /** The global settings a server or a model may override. */
    static final List<Setting<?>> KEYS = Arrays.asList(SLOTS_TOTAL, SLOTS_RT_RESERVED, SLOTS_MAX,
            QUEUE_RT_MAX_LENGTH, QUEUE_BE_MAX_LENGTH, QUEUE_RT_MAX_WAIT, QUEUE_BE_MAX_WAIT, PREEMPTION);
    static final String NAME = "name";
    static final String SERVER = "server";

    private final Map<String, Level> servers; // by server name
    private final List<ModelRule> models;

    private PoolOverrides(Map<String, Level> servers, List<ModelRule> models) {
        this.servers = servers;
        this.models = models;
    }

    /** The values one server or one model alias sets, each with where it came from. */
    static final class Level {
        final String label; // rtbe.server.gpu, rtbe.model.chat
        final Map<Setting<?>, Object> values = new LinkedHashMap<>();
        final Map<Setting<?>, String> sources = new LinkedHashMap<>();

        Level(String label) {
            this.label = label;
        }
    }

    /** One {@code rtbe.model.<alias>}: the model it names, the server it is limited to, its values. */
    static final class ModelRule {
        final String model; // normalised
        final String server; // null: every server
        final Level level;

        ModelRule(String model, String server, Level level) {
            this.model = model;
            this.server = server;
            this.level = level;
        }
    }

    /** True when a key belongs to the per-server or per-model family (and so is not an unknown setting). */
    static boolean isPoolKey(String name) {
        return name.startsWith(SERVER_PREFIX) || name.startsWith(MODEL_PREFIX);
    }

    /** True when an environment variable belongs to the per-server or per-model family. */
    static boolean isPoolVariable(String variable) {
        return variable.startsWith("RTBE_SERVER_") || variable.startsWith("RTBE_MODEL_");
    }

    /**
     * {@code RTBE_SERVER_GPU_1_SLOTS_TOTAL} -> {@code rtbe.server.gpu_1.slots.total}: the key is the
     * longest known suffix, the name what is left. Null when no key fits.
     */
    static String keyOfVariable(String variable) {
        boolean server = variable.startsWith("RTBE_SERVER_");
        String rest = variable.substring(server ? "RTBE_SERVER_".length() : "RTBE_MODEL_".length());
        String best = null;
        for (String key : keysOf(!server)) {
            String suffix = "_" + Setting.envNameOf(key);
            if (rest.endsWith(suffix) && rest.length() > suffix.length() && (best == null || key.length() > best.length())) {
                best = key;
            }
        }
        if (best == null) {
            return null;
        }
        String name = rest.substring(0, rest.length() - Setting.envNameOf(best).length() - 1).toLowerCase(Locale.ROOT);
        return (server ? SERVER_PREFIX : MODEL_PREFIX) + name + "." + best;
    }

    /** The keys after {@code rtbe.server.<name>.} or {@code rtbe.model.<alias>.}. */
    static List<String> keysOf(boolean model) {
        List<String> keys = new ArrayList<>();
        if (model) {
            keys.add(NAME);
            keys.add(SERVER);
        }
        for (Setting<?> s : KEYS) {
            keys.add(s.name().substring("rtbe.".length()));
        }
        return keys;
    }

    private static Setting<?> settingOf(String key) {
        for (Setting<?> s : KEYS) {
            if (s.name().equals("rtbe." + key)) {
                return s;
            }
        }
        return null;
    }

    /**
     * Ollama's spelling rules for one model: names are case-insensitive and a name without a tag
     * means {@code :latest}, so {@code Llama3.2} and {@code llama3.2:latest} are one model (one pool).
     */
    public static String normalizeModel(String model) {
        String m = model.trim().toLowerCase(Locale.ROOT);
        int slash = m.lastIndexOf('/');
        return m.indexOf(':', slash + 1) < 0 ? m + ":latest" : m;
    }

    /**
     * Reads the per-server and per-model keys of every layer (highest precedence first), validates
     * them against the servers in {@code endpoints} and the global values, and reports every problem.
     */
    static PoolOverrides parse(List<Map<String, RawValue>> layers, List<Endpoint> endpoints, Resolved global,
                               List<SettingProblem> problems) {
        Map<String, RawValue> winners = new LinkedHashMap<>();
        for (Map<String, RawValue> layer : layers) {
            for (Map.Entry<String, RawValue> e : layer.entrySet()) {
                if (isPoolKey(e.getKey())) {
                    winners.putIfAbsent(e.getKey(), e.getValue());
                }
            }
        }
        if (winners.isEmpty()) {
            return NONE;
        }
        Set<String> serverNames = new LinkedHashSet<>();
        Set<String> allServers = new LinkedHashSet<>();
        if (endpoints != null) {
            for (Endpoint e : endpoints) {
                allServers.add(e.server());
                if (e.named()) {
                    serverNames.add(e.server());
                }
            }
        }
        Map<String, Level> servers = new LinkedHashMap<>();
        Map<String, Level> aliases = new LinkedHashMap<>();
        Map<String, RawValue[]> aliasNames = new LinkedHashMap<>(); // alias -> {name, server}
        for (Map.Entry<String, RawValue> e : winners.entrySet()) {
            String key = e.getKey();
            RawValue raw = e.getValue();
            boolean model = key.startsWith(MODEL_PREFIX);
            String rest = key.substring(model ? MODEL_PREFIX.length() : SERVER_PREFIX.length());
            int dot = rest.indexOf('.');
            String name = dot < 0 ? rest : rest.substring(0, dot);
            String suffix = dot < 0 ? "" : rest.substring(dot + 1);
            String family = model ? "rtbe.model.<alias>" : "rtbe.server.<name>";
            if (!Endpoint.SERVER_NAME.matcher(name).matches()) {
                problems.add(new SettingProblem(key, raw.value, raw.origin(), "\"" + name + "\" is not a valid "
                        + (model ? "alias" : "server name") + " in " + family + ".<key>",
                        "a name of " + Endpoint.SERVER_NAME_ALLOWED));
                continue;
            }
            if (!keysOf(model).contains(suffix)) {
                problems.add(new SettingProblem(key, raw.value, raw.origin(), "\"" + suffix + "\" is not a key of "
                        + family, "one of " + String.join(", ", keysOf(model))));
                continue;
            }
            if (!model && !serverNames.contains(name)) {
                problems.add(new SettingProblem(key, raw.value, raw.origin(), "no server is named \"" + name
                        + "\" in rtbe.endpoints", serverNames.isEmpty()
                        ? "a server named in rtbe.endpoints as name@host:port (none is named)"
                        : "one of " + String.join(", ", serverNames)));
                continue;
            }
            if (model && (suffix.equals(NAME) || suffix.equals(SERVER))) {
                RawValue[] pair = aliasNames.computeIfAbsent(name, n -> new RawValue[2]);
                String value = raw.value.trim();
                if (value.isEmpty()) {
                    problems.add(new SettingProblem(key, raw.value, raw.origin(), "empty",
                            suffix.equals(NAME) ? "a model name such as llama3.2:3b" : "a server of rtbe.endpoints"));
                } else if (suffix.equals(SERVER) && !allServers.contains(value)) {
                    problems.add(new SettingProblem(key, raw.value, raw.origin(), "no server \"" + value
                            + "\" among rtbe.endpoints", "one of " + String.join(", ", allServers)));
                } else {
                    pair[suffix.equals(NAME) ? 0 : 1] = raw;
                }
                continue;
            }
            Setting<?> setting = settingOf(suffix);
            Level level = (model ? aliases : servers).computeIfAbsent(name,
                    n -> new Level((model ? MODEL_PREFIX : SERVER_PREFIX) + n));
            parseInto(level, setting, key, raw, problems);
        }
        List<ModelRule> models = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        Set<String> allAliases = new LinkedHashSet<>(aliases.keySet());
        allAliases.addAll(aliasNames.keySet());
        for (String alias : allAliases) {
            RawValue[] pair = aliasNames.getOrDefault(alias, new RawValue[2]);
            Level level = aliases.getOrDefault(alias, new Level(MODEL_PREFIX + alias));
            if (pair[0] == null) {
                if (!hasProblemFor(problems, MODEL_PREFIX + alias + ".name")) {
                    problems.add(new SettingProblem(MODEL_PREFIX + alias + "." + NAME, "", "not set",
                            "the alias " + alias + " has settings but names no model",
                            "rtbe.model." + alias + ".name=<model>, e.g. llama3.2:3b"));
                }
                continue;
            }
            String model = normalizeModel(pair[0].value);
            String server = pair[1] == null ? null : pair[1].value.trim();
            String where = model + (server == null ? "" : " on " + server);
            String other = seen.putIfAbsent(where, alias);
            if (other != null) {
                problems.add(new SettingProblem(MODEL_PREFIX + alias + "." + NAME, pair[0].value, pair[0].origin(),
                        "the alias " + other + " names the same model" + (server == null ? "" : " on the same server"),
                        "one alias per model and server"));
                continue;
            }
            models.add(new ModelRule(model, server, level));
        }
        PoolOverrides result = new PoolOverrides(servers, models);
        result.checkReserved(global, allServers, problems);
        return result;
    }

    private static boolean hasProblemFor(List<SettingProblem> problems, String name) {
        for (SettingProblem p : problems) {
            if (name.equals(p.name())) {
                return true;
            }
        }
        return false;
    }

    private static <T> void parseInto(Level level, Setting<T> setting, String key, RawValue raw,
                                      List<SettingProblem> problems) {
        try {
            level.values.put(setting, setting.type().parse(raw.value));
            level.sources.put(setting, key + " (" + raw.origin() + ")");
        } catch (BadValueException e) {
            String allowed = e.allowedOverride() != null ? e.allowedOverride() : setting.type().allowed();
            problems.add(new SettingProblem(key, raw.value, raw.origin(), e.reason(), allowed));
        }
    }

    /** R below N for every pool the overrides can shape; an R set next to or below the N it breaks is an error. */
    private void checkReserved(Resolved global, Set<String> allServers, List<SettingProblem> problems) {
        if (global.get(SLOTS_TOTAL) == null || global.get(SLOTS_MAX) == null || global.get(SLOTS_RT_RESERVED) == null) {
            return; // reported already
        }
        Globals g = Globals.of(global);
        for (String server : allServers) {
            check(resolve(g, server, null, false), problems);
            for (ModelRule rule : models) {
                if (rule.server == null || rule.server.equals(server)) {
                    check(resolve(g, server, rule.model, false), problems);
                    check(resolve(g, server, rule.model, true), problems);
                }
            }
        }
    }

    private static void check(PoolConfig c, List<SettingProblem> problems) {
        if (c.problem() != null && !problems.contains(c.problem()) && !hasSame(problems, c.problem())) {
            problems.add(c.problem());
        }
    }

    private static boolean hasSame(List<SettingProblem> problems, SettingProblem p) {
        for (SettingProblem q : problems) {
            if (q.message().equals(p.message())) {
                return true;
            }
        }
        return false;
    }

    /** The global values, whether set or derived; implemented over the loader's state and over {@link Settings}. */
    public interface Globals {
        Object get(Setting<?> setting);

        /** True when someone set it (not a default or a value derived from other settings). */
        boolean explicit(Setting<?> setting);

        String source(Setting<?> setting);

        static Globals of(Resolved r) {
            return new Globals() {
                @Override
                public Object get(Setting<?> setting) {
                    return r.get(setting);
                }

                @Override
                public boolean explicit(Setting<?> setting) {
                    return r.isExplicit(setting);
                }

                @Override
                public String source(Setting<?> setting) {
                    return setting.name() + " (" + r.sources.get(setting) + ")";
                }
            };
        }

        static Globals of(Settings s) {
            return new Globals() {
                @Override
                public Object get(Setting<?> setting) {
                    return s.get(setting);
                }

                @Override
                public boolean explicit(Setting<?> setting) {
                    String source = s.sourceOf(setting.name());
                    return source != null && !source.startsWith("default");
                }

                @Override
                public String source(Setting<?> setting) {
                    return setting.name() + " (" + s.sourceOf(setting.name()) + ")";
                }
            };
        }
    }

    /**
     * The effective settings of one pool. {@code model} null: the server's default pool. An
     * embedding pool (a model only ever called for embeddings) runs one call at a time, as Ollama
     * forces for embedding models, unless the model's own {@code slots.total} says otherwise.
     */
    public PoolConfig resolve(Globals global, String server, String model, boolean embedding) {
        List<Level> chain = new ArrayList<>(3); // nearest first
        if (model != null) {
            ModelRule bound = null;
            ModelRule any = null;
            for (ModelRule rule : models) {
                if (rule.model.equals(model)) {
                    if (server.equals(rule.server)) {
                        bound = rule;
                    } else if (rule.server == null) {
                        any = rule;
                    }
                }
            }
            if (bound != null) {
                chain.add(bound.level);
            }
            if (any != null) {
                chain.add(any.level);
            }
        }
        int modelLevels = chain.size();
        Level serverLevel = servers.get(server);
        if (serverLevel != null) {
            chain.add(serverLevel);
        }
        Map<Setting<?>, Object> values = new LinkedHashMap<>();
        Map<Setting<?>, String> sources = new LinkedHashMap<>();
        Map<Setting<?>, Integer> depth = new LinkedHashMap<>(); // 0 = nearest level; chain.size() = global
        for (Setting<?> s : KEYS) {
            for (int i = 0; i < chain.size(); i++) {
                Level level = chain.get(i);
                if (level.values.containsKey(s)) {
                    values.put(s, level.values.get(s));
                    sources.put(s, level.sources.get(s));
                    depth.put(s, i);
                    break;
                }
            }
            if (!values.containsKey(s)) {
                values.put(s, global.get(s));
                sources.put(s, global.source(s));
                depth.put(s, global.explicit(s) ? chain.size() : Integer.MAX_VALUE);
            }
        }
        if (embedding && depth.get(SLOTS_TOTAL) >= modelLevels) {
            values.put(SLOTS_TOTAL, 1);
            sources.put(SLOTS_TOTAL, "embedding model default");
            depth.put(SLOTS_TOTAL, -1);
        }
        int total = (Integer) values.get(SLOTS_TOTAL);
        int ceiling = total == Settings.AUTO ? (Integer) values.get(SLOTS_MAX) : total;
        SettingProblem problem = null;
        if (depth.get(SLOTS_RT_RESERVED) == Integer.MAX_VALUE) {
            int r = values.get(PREEMPTION) == PreemptionMode.TRANSPARENT ? 0 : Math.min(1, ceiling - 1);
            values.put(SLOTS_RT_RESERVED, r);
            sources.put(SLOTS_RT_RESERVED, "default");
        } else {
            int r = (Integer) values.get(SLOTS_RT_RESERVED);
            if (r >= ceiling) {
                if (depth.get(SLOTS_RT_RESERVED) > depth.get(SLOTS_TOTAL)) {
                    // R comes from a wider level than this pool's N: it cannot have meant this pool
                    values.put(SLOTS_RT_RESERVED, ceiling - 1);
                    sources.put(SLOTS_RT_RESERVED, sources.get(SLOTS_RT_RESERVED) + ", lowered to N - 1");
                } else {
                    String source = sources.get(SLOTS_RT_RESERVED);
                    String name = source.substring(0, source.indexOf(' '));
                    problem = new SettingProblem(name, String.valueOf(r),
                            source.substring(source.indexOf('(') + 1, source.length() - 1),
                            r + " reserved slots leave no slot for batch calls in pool " + server + "/"
                                    + (model == null ? "_default" : model) + " with N = "
                                    + (total == Settings.AUTO ? "auto up to " + ceiling : String.valueOf(total))
                                    + " from " + sources.get(SLOTS_TOTAL) + "; it must be less than N",
                            ceiling == 1 ? "0 (with N = 1 there is nothing to reserve)"
                                    : "an integer from 0 to " + (ceiling - 1));
                    values.put(SLOTS_RT_RESERVED, ceiling - 1);
                }
            }
        }
        return new PoolConfig(values, sources, problem);
    }

    /** For the start-up line: the servers and models with settings of their own. */
    public String describe() {
        StringJoiner out = new StringJoiner(" ");
        for (Level l : servers.values()) {
            out.add(l.label + values(l));
        }
        for (ModelRule m : models) {
            out.add("model " + m.model + (m.server == null ? "" : "@" + m.server) + values(m.level));
        }
        return out.toString();
    }

    private static String values(Level l) {
        StringJoiner v = new StringJoiner(",", "{", "}");
        for (Map.Entry<Setting<?>, Object> e : l.values.entrySet()) {
            v.add(format(e.getKey(), e.getValue()));
        }
        return v.toString();
    }

    @SuppressWarnings("unchecked")
    static <T> String format(Setting<T> setting, Object value) {
        return setting.name().substring("rtbe.".length()) + "=" + setting.type().format((T) value);
    }

    public boolean isEmpty() {
        return servers.isEmpty() && models.isEmpty();
    }
}
