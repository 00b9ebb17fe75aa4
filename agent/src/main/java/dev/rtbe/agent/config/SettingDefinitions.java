package dev.rtbe.agent.config;

import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.RtOrder;

import static dev.rtbe.agent.config.SeedVariable.ollamaHost;
import static dev.rtbe.agent.config.SeedVariable.plain;
import static dev.rtbe.agent.config.SeedVariable.seconds;
import static dev.rtbe.agent.config.Types.bool;
import static dev.rtbe.agent.config.Types.decimal;
import static dev.rtbe.agent.config.Types.derivableDuration;
import static dev.rtbe.agent.config.Types.duration;
import static dev.rtbe.agent.config.Types.durationOrNone;
import static dev.rtbe.agent.config.Types.endpoints;
import static dev.rtbe.agent.config.Types.enumOf;
import static dev.rtbe.agent.config.Types.headerName;
import static dev.rtbe.agent.config.Types.integer;
import static dev.rtbe.agent.config.Types.list;
import static dev.rtbe.agent.config.Types.stackPatterns;
import static dev.rtbe.agent.config.Types.pathOrNone;
import static dev.rtbe.agent.config.Types.positiveDuration;
import static dev.rtbe.agent.config.Types.shareOrOff;
import static dev.rtbe.agent.config.Types.share;
import static dev.rtbe.agent.config.Types.slotCount;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every setting, one row each: name, type, default, seed variable, description. A new setting is a
 * new row here; loading, validation, the effective-settings view and SETTINGS.md follow from it.
 */
public final class SettingDefinitions {
    // Declared first: rows register themselves in declaration order as the fields below initialise.
    private static final List<Setting<?>> ROWS = new ArrayList<>();

    public static final Setting<Boolean> ENABLED = row("rtbe.enabled", bool(), "true", null,
            "false: the agent installs nothing and the application runs as if it were absent.");
    public static final Setting<Boolean> STRICT = row("rtbe.strict", bool(), "false", null,
            "What a bad setting does: false prints the problems and runs the application without the agent; true refuses to start.");
    public static final Setting<Optional<String>> CONFIG_FILE = row("rtbe.config.file", pathOrNone(), "none", null,
            "A java.util.Properties file with rtbe.* keys; only read from a system property, agent argument or RTBE_CONFIG_FILE.");
    public static final Setting<List<Endpoint>> ENDPOINTS = row("rtbe.endpoints", endpoints(), "localhost:11434,127.0.0.1:11434",
            ollamaHost("OLLAMA_HOST"),
            "The LLM servers whose calls are scheduled; all other HTTP calls pass untouched. A scheme, if given, must match; a path is a prefix.");
    public static final Setting<Integer> SLOTS_TOTAL = row("rtbe.slots.total", slotCount(), "1", SeedVariable.integer("OLLAMA_NUM_PARALLEL"),
            "N: calls one model runs at once on one server (each pool has its own N); set it to the server's OLLAMA_NUM_PARALLEL, or auto to learn it from the server's timings.");
    public static final Setting<Integer> SLOTS_RT_RESERVED = derived("rtbe.slots.rt-reserved", integer(0), "min(1, total - 1), or 0 with preemption",
            plain("SCHEDULING_RT_RESERVED_SLOTS"),
            "R: slots only real-time calls may use; must be below rtbe.slots.total so batch work can run.");
    public static final Setting<Integer> SLOTS_MAX = row("rtbe.slots.max", integer(1), "8", null,
            "Ceiling of a learned N (rtbe.slots.total=auto): N starts at 1 and never grows past this.");
    public static final Setting<Boolean> POOLS_BY_MODEL = row("rtbe.pools.by-model", bool(), "true", null,
            "true: each model on a server has its own pool (N per model, as Ollama runs them); false: one pool per server for every call, as when the application's request bodies cannot be read.");
    public static final Setting<Integer> POOLS_MAX_PER_SERVER = row("rtbe.pools.max-per-server", integer(1), "32", null,
            "Pools (models) one server may have; calls to further models share the server's default pool, so a flood of model names cannot grow memory.");
    public static final Setting<Duration> AGING_THRESHOLD = row("rtbe.aging.threshold", duration(), "60s",
            seconds("SCHEDULING_AGING_THRESHOLD_SECONDS"),
            "A: how long a batch call waits before its priority starts to rise.");
    public static final Setting<Double> AGING_BOOST = row("rtbe.aging.boost", decimal(0), "0.5", plain("SCHEDULING_AGING_BOOST"),
            "Priority rise per threshold interval after the threshold; 0 turns aging off.");
    public static final Setting<Optional<Duration>> AGING_PROMOTION = derived("rtbe.aging.promotion", derivableDuration(),
            "threshold + threshold/boost", seconds("SCHEDULING_PRIORITY_PROMOTION_THRESHOLD_SECONDS"),
            "Wait after which a batch call competes as real-time; the earlier of this and threshold + threshold/boost applies.");
    public static final Setting<Boolean> AGING_PASSED_OVER = row("rtbe.aging.passed-over", bool(), "true", null,
            "true: a batch call ages only while real-time calls pass it over (hold slots beyond the reserved ones while it waits), not while it waits behind other batch calls; false: all of its wait counts, as in the seed.");
    public static final Setting<RtOrder> RT_ORDER = row("rtbe.rt.order", enumOf(RtOrder.class), "fifo", plain("SCHEDULING_RT_MODE"),
            "Order of waiting real-time calls; lifo serves the newest first (for UIs that abandon older requests).");
    public static final Setting<Integer> QUEUE_RT_MAX_LENGTH = row("rtbe.queue.rt.max-length", integer(1), "1000", null,
            "Real-time calls that may wait at once; a real-time burst this large means a runaway loop, and the cap bounds memory.");
    public static final Setting<Integer> QUEUE_BE_MAX_LENGTH = row("rtbe.queue.be.max-length", integer(1), "10000", null,
            "Batch calls that may wait at once; high so a batch fan-out is never rejected in normal use, yet memory stays bounded.");
    public static final Setting<Optional<Duration>> QUEUE_RT_MAX_WAIT = row("rtbe.queue.rt.max-wait", durationOrNone(), "none", null,
            "Longest a real-time call waits for a slot before it fails with an IOException; none waits as long as it takes.");
    public static final Setting<Optional<Duration>> QUEUE_BE_MAX_WAIT = row("rtbe.queue.be.max-wait", durationOrNone(), "none", null,
            "Longest a batch call waits for a slot before it fails with an IOException; none waits as long as it takes.");
    public static final Setting<Duration> SLOTS_MAX_HOLD = row("rtbe.slots.max-hold", duration(), "30m", null,
            "Leak guard: a slot held this long is taken back; far above any real generation.");
    public static final Setting<PreemptionMode> PREEMPTION = row("rtbe.preemption", enumOf(PreemptionMode.class), "off", null,
            "transparent: a real-time call that would wait takes the slot of the running batch call that has sent nothing to the application yet and loses the least (fewest tokens generated, else the youngest); that call is aborted and re-sent later (continued from its output where rtbe.preemption.resume allows), unseen by the application.");
    public static final Setting<Duration> PREEMPTION_GRACE = row("rtbe.preemption.grace", duration(), "0s", null,
            "How long a waiting real-time call waits for a slot to free up before a preemption is considered.");
    public static final Setting<Integer> PREEMPTION_MAX_PER_CALL = row("rtbe.preemption.max-per-call", integer(0), "4", null,
            "How often one batch call may be preempted; after that it is immune, so batch work always finishes.");
    public static final Setting<ResumeMode> PREEMPTION_RESUME = row("rtbe.preemption.resume", enumOf(ResumeMode.class), "continue", null,
            "continue: a non-streaming batch chat call goes to the server as a stream, and once preempted keeps its output and is continued from it where that is as valid as an uninterrupted answer (README: Resumable preemption); restart: every preempted call starts again from zero.");
    public static final Setting<Double> PREEMPTION_BUDGET = row("rtbe.preemption.budget", shareOrOff(), "0.02", null,
            "Share of the slot time that preemption may throw away (a preempted call's prefill when it is continued, all of its time when it restarts), counted over rtbe.preemption.budget-window; batch work takes the last slot real-time calls could use only in a call that can be taken back within it. off: no bound and no last-slot rule (preemption as before this policy: RT first at any cost).");
    public static final Setting<Duration> PREEMPTION_BUDGET_WINDOW = row("rtbe.preemption.budget-window", positiveDuration(), "10m", null,
            "Window of the preemption budget: at most budget x slots x window of slot time may be thrown away at once, and the budget refills at budget x slots.");
    public static final Setting<Double> PREEMPTION_RESERVE_ABOVE = row("rtbe.preemption.reserve-above", share(), "0.3", null,
            "Real-time load (share of the slots real-time calls held, averaged over about two minutes) above which a pool with preemption works as with one reserved slot: batch work never takes the last slot, nor is its last slot preempted; 1 = never.");
    public static final Setting<Integer> PREEMPTION_MAX_BODY = row("rtbe.preemption.max-body-bytes", integer(0), "1048576", null,
            "Largest request body the agent keeps to re-send (a one-shot body is copied as it goes out); a batch call with a larger body is immune.");
    public static final Setting<Integer> REQUEST_MAX_BODY = row("rtbe.request.max-body-bytes", integer(0), "4194304", null,
            "Largest request body the agent collects to classify a call (stream flag, model) before it is sent; a larger body goes out unchanged and the call is classified by the other rules.");
    public static final Setting<String> CLASSIFY_HEADER = row("rtbe.classify.header", headerName(), "X-Rtbe-Priority", null,
            "Request header an application may set to rt or be to classify a call explicitly.");
    public static final Setting<Boolean> CLASSIFY_HEADER_STRIP = row("rtbe.classify.header-strip", bool(), "true", null,
            "Remove the classification header before the request leaves the JVM.");
    public static final Setting<List<String>> CLASSIFY_RT_STACK = row("rtbe.classify.rt-stack", stackPatterns(), "", null,
            "Calls made with one of these classes or methods on the stack are real-time (e.g. com.acme.chat.*, com.acme.Chat#reply).");
    public static final Setting<List<String>> CLASSIFY_BE_STACK = row("rtbe.classify.be-stack", stackPatterns(), "", null,
            "Calls made with one of these classes or methods on the stack are batch (e.g. com.acme.Batch#run).");
    public static final Setting<List<String>> CLASSIFY_RT_THREADS = row("rtbe.classify.rt-threads", list(), "", null,
            "Calls from threads whose name matches one of these globs (*, ?) are real-time.");
    public static final Setting<List<String>> CLASSIFY_BE_THREADS = row("rtbe.classify.be-threads", list(), "", null,
            "Calls from threads whose name matches one of these globs (*, ?) are batch.");
    public static final Setting<StreamingMode> CLASSIFY_STREAMING = row("rtbe.classify.streaming", enumOf(StreamingMode.class),
            "rt", null, "rt: a streaming request is real-time unless a rule above says otherwise; off: streaming says nothing.");
    public static final Setting<Priority> CLASSIFY_DEFAULT = row("rtbe.classify.default", enumOf(Priority.class), "be", null,
            "Class of a call no rule classifies.");
    public static final Setting<TelemetryExporter> TELEMETRY_EXPORTER = row("rtbe.telemetry.exporter",
            enumOf(TelemetryExporter.class), "otlp", null,
            "Where spans and metrics go; OTEL_EXPORTER_OTLP_* settings steer otlp.");
    public static final Setting<Boolean> TELEMETRY_CAPTURE_CONTENT = row("rtbe.telemetry.capture-content", bool(), "false", null,
            "Record prompts and responses in spans; off by default because they may hold personal data.");
    public static final Setting<Boolean> LOG_CALLS = row("rtbe.log.calls", bool(), "false", null,
            "Print one line per scheduled call (class, queue wait, outcome) to stderr.");

    public static final Setting<Coordination> COORDINATION = row("rtbe.coordination", Coordination.type(), "local", null,
            "Where slots are counted: local (this JVM alone), or redis://host[:port][/db] (rediss:// for TLS) shared by every JVM of the fleet.");
    public static final Setting<String> COORDINATION_FLEET = row("rtbe.coordination.fleet", Coordination.fleetName(), "default", null,
            "The fleet: JVMs with the same name on the same Redis share the slots of each server.");
    public static final Setting<Optional<String>> COORDINATION_USER = row("rtbe.coordination.user", Coordination.secret(), "none", null,
            "Redis ACL user name; never printed.");
    public static final Setting<Optional<String>> COORDINATION_PASSWORD = row("rtbe.coordination.password", Coordination.secret(), "none", null,
            "Redis password; never printed.");
    public static final Setting<Duration> COORDINATION_SESSION_TTL = row("rtbe.coordination.session-ttl", Coordination.sessionTtl(), "10s", null,
            "How long a silent JVM keeps its slots: a JVM that dies frees them within this time. Heartbeats run every third of it.");
    public static final Setting<Integer> COORDINATION_FALLBACK = row("rtbe.coordination.fallback", Coordination.fallback(), "local", null,
            "While Redis cannot be reached: local (this JVM's N and R) or share:K (N/K and R/K, at least one slot).");

    private static final Map<String, Setting<?>> BY_NAME = index(false);
    private static final Map<String, Setting<?>> BY_ENV = index(true);

    private SettingDefinitions() {}

    /** All settings in table order. */
    public static List<Setting<?>> all() {
        return Collections.unmodifiableList(ROWS);
    }

    /** The setting called {@code name}, or null. */
    public static Setting<?> byName(String name) {
        return BY_NAME.get(name);
    }

    /** The setting whose environment variable is {@code variable} (RTBE_SLOTS_TOTAL), or null. */
    public static Setting<?> byEnvName(String variable) {
        return BY_ENV.get(variable);
    }

    static Set<String> names() {
        return BY_NAME.keySet();
    }

    static Set<String> envNames() {
        return BY_ENV.keySet();
    }

    private static <T> Setting<T> row(String name, SettingType<T> type, String defaultValue, SeedVariable seed,
                                      String description) {
        return add(new Setting<>(name, type, defaultValue, defaultValue.isEmpty() ? "(empty)" : defaultValue, seed,
                description));
    }

    private static <T> Setting<T> derived(String name, SettingType<T> type, String defaultText, SeedVariable seed,
                                          String description) {
        return add(new Setting<>(name, type, null, defaultText, seed, description));
    }

    private static <T> Setting<T> add(Setting<T> setting) {
        ROWS.add(setting);
        return setting;
    }

    private static Map<String, Setting<?>> index(boolean byEnv) {
        Map<String, Setting<?>> map = new LinkedHashMap<>();
        for (Setting<?> s : ROWS) {
            map.put(byEnv ? s.envName() : s.name(), s);
        }
        return Collections.unmodifiableMap(map);
    }
}
