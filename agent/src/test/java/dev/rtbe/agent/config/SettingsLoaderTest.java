package dev.rtbe.agent.config;

import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.RtOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SettingsLoaderTest {

    private static List<String> messages(InvalidSettingsException e) {
        return e.problems().stream().map(SettingProblem::message).collect(Collectors.toList());
    }

    @Test
    void defaultsWhenNothingIsSet() {
        Settings s = new Fixture().load();
        assertTrue(s.enabled());
        assertFalse(s.strict());
        assertEquals(Optional.empty(), s.configFile());
        assertEquals("localhost:11434,127.0.0.1:11434", s.effective().get("rtbe.endpoints"));
        assertEquals(1, s.totalSlots());
        assertEquals(0, s.rtReservedSlots());
        assertEquals(Duration.ofSeconds(60), s.agingThreshold());
        assertEquals(0.5, s.agingBoost());
        assertEquals(Optional.of(Duration.ofSeconds(180)), s.promotionAfter());
        assertEquals(RtOrder.FIFO, s.rtOrder());
        assertEquals(1000, s.rtQueueMaxLength());
        assertEquals(10000, s.beQueueMaxLength());
        assertEquals(Optional.empty(), s.rtQueueMaxWait());
        assertEquals(Optional.empty(), s.beQueueMaxWait());
        assertEquals(Duration.ofMinutes(30), s.slotMaxHold());
        assertEquals("X-Rtbe-Priority", s.classifyHeader());
        assertTrue(s.classifyHeaderStrip());
        assertEquals(List.of(), s.rtStackPatterns());
        assertEquals(List.of(), s.beStackPatterns());
        assertEquals(List.of(), s.rtThreadGlobs());
        assertEquals(List.of(), s.beThreadGlobs());
        assertEquals(StreamingMode.RT, s.streaming());
        assertEquals(Priority.BE, s.defaultPriority());
        assertEquals(TelemetryExporter.OTLP, s.telemetryExporter());
        assertFalse(s.captureContent());
        assertFalse(s.logCalls());
        assertEquals(List.of(), s.warnings());
        assertEquals("default", s.sourceOf("rtbe.slots.total"));
        assertEquals(Settings.defaults().effective(), s.effective());
    }

    @Test
    void systemProperty() {
        Settings s = new Fixture().sys("rtbe.slots.total", "4").sys("java.version", "17").load();
        assertEquals(4, s.totalSlots());
        assertEquals("system property", s.sourceOf("rtbe.slots.total"));
    }

    @Test
    void agentArgument() {
        Settings s = new Fixture().args("slots.total=3,rt.order=LIFO").load();
        assertEquals(3, s.totalSlots());
        assertEquals(RtOrder.LIFO, s.rtOrder());
        assertEquals("agent argument", s.sourceOf("rtbe.rt.order"));
    }

    @Test
    void environmentVariable() {
        Settings s = new Fixture().env("RTBE_SLOTS_RT_RESERVED", "0").env("RTBE_SLOTS_TOTAL", "2")
                .env("RTBE_QUEUE_BE_MAX_WAIT", "10m").env("PATH", "/bin").load();
        assertEquals(0, s.rtReservedSlots());
        assertEquals(Optional.of(Duration.ofMinutes(10)), s.beQueueMaxWait());
        assertEquals("environment variable RTBE_SLOTS_RT_RESERVED", s.sourceOf("rtbe.slots.rt-reserved"));
    }

    @Test
    void envNameMapping() {
        assertEquals("RTBE_SLOTS_RT_RESERVED", Setting.envNameOf("rtbe.slots.rt-reserved"));
        assertEquals("RTBE_CLASSIFY_HEADER_STRIP", SettingDefinitions.CLASSIFY_HEADER_STRIP.envName());
        assertEquals(SettingDefinitions.QUEUE_RT_MAX_WAIT, SettingDefinitions.byEnvName("RTBE_QUEUE_RT_MAX_WAIT"));
    }

    @Test
    void emptyEnvironmentVariableCountsAsUnset() {
        Settings s = new Fixture().env("RTBE_SLOTS_TOTAL", "").env("OLLAMA_NUM_PARALLEL", " ").load();
        assertEquals(1, s.totalSlots());
        assertEquals("default", s.sourceOf("rtbe.slots.total"));
    }

    @Test
    void propertiesFileNamedBySystemProperty() {
        Settings s = new Fixture().sys("rtbe.config.file", "/etc/rtbe.properties")
                .file("/etc/rtbe.properties", "# comment\nrtbe.slots.total = 2\nrtbe.classify.rt-stack=com.acme.chat.*, com.acme.Ui#send\n")
                .load();
        assertEquals(2, s.totalSlots());
        assertEquals(List.of("com.acme.chat.*", "com.acme.Ui#send"), s.rtStackPatterns());
        assertEquals("properties file /etc/rtbe.properties", s.sourceOf("rtbe.slots.total"));
        assertEquals(Optional.of("/etc/rtbe.properties"), s.configFile());
        assertEquals("system property", s.sourceOf("rtbe.config.file"));
    }

    @Test
    void propertiesFileNamedByAgentArgumentOrEnvironment() {
        assertEquals(2, new Fixture().args("config.file=/a").file("/a", "rtbe.slots.total=2").load().totalSlots());
        assertEquals(3, new Fixture().env("RTBE_CONFIG_FILE", "/b").file("/b", "rtbe.slots.total=3").load().totalSlots());
    }

    @Test
    void configFileInsideTheFileHasNoEffect() {
        Settings s = new Fixture().sys("rtbe.config.file", "/a")
                .file("/a", "rtbe.config.file=/b\n").file("/b", "rtbe.slots.total=5").load();
        assertEquals(1, s.totalSlots());
        assertEquals(List.of("rtbe.config.file in the properties file /a has no effect; name the file with a system"
                + " property, the agent argument or RTBE_CONFIG_FILE"), s.warnings());
    }

    @Test
    void missingFileIsAProblem() {
        InvalidSettingsException e = new Fixture().env("RTBE_CONFIG_FILE", "/nope.properties").fail();
        assertEquals(List.of("rtbe.config.file = \"/nope.properties\" (environment variable RTBE_CONFIG_FILE): "
                + "cannot read the file: no such file; allowed: a readable java.util.Properties file"), messages(e));
    }

    @Test
    void malformedFileIsAProblem() {
        InvalidSettingsException e = new Fixture().sys("rtbe.config.file", "/bad").file("/bad", "rtbe.x=\\uZZZZ").fail();
        assertTrue(e.problems().get(0).reason().startsWith("cannot read the file: IllegalArgumentException"),
                e.getMessage());
    }

    @Test
    void seedVariables() {
        Settings s = new Fixture()
                .env("OLLAMA_HOST", "0.0.0.0:11500")
                .env("OLLAMA_NUM_PARALLEL", "3")
                .env("SCHEDULING_RT_RESERVED_SLOTS", "2")
                .env("SCHEDULING_AGING_THRESHOLD_SECONDS", "30")
                .env("SCHEDULING_AGING_BOOST", "1.5")
                .env("SCHEDULING_PRIORITY_PROMOTION_THRESHOLD_SECONDS", "35.5")
                .env("SCHEDULING_RT_MODE", "LIFO")
                .load();
        assertEquals("localhost:11500,127.0.0.1:11500", s.effective().get("rtbe.endpoints"));
        assertEquals(3, s.totalSlots());
        assertEquals(2, s.rtReservedSlots());
        assertEquals(Duration.ofSeconds(30), s.agingThreshold());
        assertEquals(1.5, s.agingBoost());
        assertEquals(Optional.of(Duration.ofMillis(35500)), s.promotionAfter()); // before 30 + 30/1.5 = 50 s
        assertEquals(RtOrder.LIFO, s.rtOrder());
        assertEquals("seed variable OLLAMA_NUM_PARALLEL", s.sourceOf("rtbe.slots.total"));
        assertEquals("seed variable OLLAMA_HOST", s.sourceOf("rtbe.endpoints"));
    }

    @Test
    void badSeedValuesAreReportedNotIgnored() {
        InvalidSettingsException e = new Fixture()
                .env("OLLAMA_NUM_PARALLEL", "auto")
                .env("SCHEDULING_AGING_THRESHOLD_SECONDS", "60s")
                .env("SCHEDULING_RT_MODE", "random")
                .fail();
        assertEquals(List.of(
                "rtbe.slots.total = \"auto\" (seed variable OLLAMA_NUM_PARALLEL): not an integer; allowed: an integer >= 1",
                "rtbe.aging.threshold = \"60s\" (seed variable SCHEDULING_AGING_THRESHOLD_SECONDS): not a number of"
                        + " seconds; allowed: a number of seconds >= 0, e.g. 60 or 0.5",
                "rtbe.rt.order = \"random\" (seed variable SCHEDULING_RT_MODE): not a known value; allowed: one of fifo, lifo"),
                messages(e));
    }

    @Test
    void preemptionResumeContinuesByDefaultAndIsValidated() {
        assertEquals(ResumeMode.CONTINUE, new Fixture().load().preemptionResume());
        assertEquals(ResumeMode.RESTART, new Fixture().env("RTBE_PREEMPTION_RESUME", "restart").load().preemptionResume());
        InvalidSettingsException e = new Fixture().sys("rtbe.preemption.resume", "resume").fail();
        assertEquals(List.of("rtbe.preemption.resume = \"resume\" (system property): not a known value; allowed: one of"
                + " continue, restart"), messages(e));
    }

    @Test
    void badOllamaHostIsReported() {
        InvalidSettingsException e = new Fixture().env("OLLAMA_HOST", "gpu:99999").fail();
        assertEquals("rtbe.endpoints = \"gpu:99999\" (seed variable OLLAMA_HOST): endpoint \"gpu:99999\": "
                + "port \"99999\" is not 1-65535; allowed: " + Types.endpoints().allowed(), messages(e).get(0));
    }

    @Test
    void overriddenBadSeedValueIsNotAProblem() {
        Settings s = new Fixture().env("OLLAMA_NUM_PARALLEL", "auto").sys("rtbe.slots.total", "2").load();
        assertEquals(2, s.totalSlots());
    }

    @Test
    void precedenceAcrossAllSixLayers() {
        Fixture f = new Fixture()
                .sys("rtbe.config.file", "/c").file("/c", "rtbe.slots.total=4")
                .env("OLLAMA_NUM_PARALLEL", "5")
                .env("RTBE_SLOTS_TOTAL", "3")
                .args("slots.total=2")
                .sys("rtbe.slots.total", "6");
        assertSource(6, "system property", f);
        // Remove the top layer each time: the next one down must show through.
        assertSource(2, "agent argument", new Fixture().sys("rtbe.config.file", "/c").file("/c", "rtbe.slots.total=4")
                .env("OLLAMA_NUM_PARALLEL", "5").env("RTBE_SLOTS_TOTAL", "3").args("slots.total=2"));
        assertSource(3, "environment variable RTBE_SLOTS_TOTAL", new Fixture().sys("rtbe.config.file", "/c")
                .file("/c", "rtbe.slots.total=4").env("OLLAMA_NUM_PARALLEL", "5").env("RTBE_SLOTS_TOTAL", "3"));
        assertSource(4, "properties file /c", new Fixture().sys("rtbe.config.file", "/c")
                .file("/c", "rtbe.slots.total=4").env("OLLAMA_NUM_PARALLEL", "5"));
        assertSource(5, "seed variable OLLAMA_NUM_PARALLEL", new Fixture().env("OLLAMA_NUM_PARALLEL", "5"));
        assertSource(1, "default", new Fixture());
    }

    private static void assertSource(int total, String source, Fixture f) {
        Settings s = f.load();
        assertEquals(total, s.totalSlots());
        assertEquals(source, s.sourceOf("rtbe.slots.total"));
    }

    @Test
    void everyProblemAtOnce() {
        InvalidSettingsException e = new Fixture()
                .sys("rtbe.slots.total", "zero")
                .args("aging.boost=-1")
                .env("RTBE_LOG_CALLS", "yes")
                .fail();
        assertEquals(List.of(
                "rtbe.slots.total = \"zero\" (system property): not an integer; allowed: an integer >= 1, or auto",
                "rtbe.aging.boost = \"-1\" (agent argument): below the minimum 0; allowed: a decimal number >= 0",
                "rtbe.log.calls = \"yes\" (environment variable RTBE_LOG_CALLS): not a boolean; allowed: true or false"),
                messages(e));
        assertTrue(e.getMessage().startsWith("3 invalid rtbe settings:\n  rtbe.slots.total = \"zero\""), e.getMessage());
        assertFalse(e.strict());
    }

    @Test
    void agentArgumentSyntaxProblemsJoinTheOthers() {
        InvalidSettingsException e = new Fixture().args("oops,slots.total=x").fail();
        assertEquals(2, e.problems().size());
        assertEquals(null, e.problems().get(0).name());
    }

    @Test
    void strictIsReportedWithTheProblems() {
        assertTrue(new Fixture().sys("rtbe.strict", "true").sys("rtbe.slots.total", "0").fail().strict());
        // A bad strict flag is itself a problem, and must not stop the application.
        InvalidSettingsException e = new Fixture().sys("rtbe.strict", "yes").fail();
        assertFalse(e.strict());
        assertEquals("rtbe.strict", e.problems().get(0).name());
    }

    @Test
    void unknownKeysWarnWithTheNearestName() {
        Settings s = new Fixture()
                .sys("rtbe.slot.total", "2")
                .args("slots.totl=2")
                .env("RTBE_SLOT_TOTAL", "2")
                .sys("rtbe.config.file", "/f").file("/f", "slots.total=2\nrtbe.zzzzzzzzzz=1\n")
                .load();
        assertEquals(1, s.totalSlots());
        assertEquals(List.of(
                "unknown setting rtbe.slot.total (system property); did you mean rtbe.slots.total?",
                "unknown setting rtbe.slots.totl (agent argument); did you mean rtbe.slots.total?",
                "unknown setting RTBE_SLOT_TOTAL (environment variable); did you mean RTBE_SLOTS_TOTAL?",
                "unknown setting rtbe.zzzzzzzzzz (properties file /f); ignored",
                "unknown setting slots.total (properties file /f); did you mean rtbe.slots.total?"), s.warnings());
    }

    @Test
    void warningsTravelWithTheException() {
        InvalidSettingsException e = new Fixture().sys("rtbe.slot.total", "2").sys("rtbe.enabled", "maybe").fail();
        assertEquals(1, e.warnings().size());
    }

    @Test
    void effectiveListsEverySettingInTableOrder() {
        Settings s = new Fixture().sys("rtbe.aging.threshold", "90").args("queue.rt.max-wait=1500ms").load();
        assertEquals(SettingDefinitions.all().size(), s.effective().size());
        assertEquals("rtbe.enabled", s.effective().keySet().iterator().next());
        assertEquals("90s", s.effective().get("rtbe.aging.threshold"));
        assertEquals("1.5s", s.effective().get("rtbe.queue.rt.max-wait"));
        assertEquals("none", s.effective().get("rtbe.queue.be.max-wait"));
        assertEquals("270s", s.effective().get("rtbe.aging.promotion"));
        assertTrue(s.summary().contains("rtbe.aging.threshold=90s (system property)"), s.summary());
        assertEquals(null, s.sourceOf("rtbe.nothing"));
    }

    @Test
    void genericGetterServesEverySetting() {
        Settings s = new Fixture().load();
        assertEquals(Boolean.TRUE, s.get(SettingDefinitions.ENABLED));
        assertEquals("X-Rtbe-Priority", s.get(SettingDefinitions.CLASSIFY_HEADER));
    }
}
