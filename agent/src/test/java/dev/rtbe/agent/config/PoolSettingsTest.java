package dev.rtbe.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Per-server and per-model settings: every source form, precedence, levels and clear messages. */
class PoolSettingsTest {
    private static final String TWO_SERVERS = "gpu@10.0.0.5:11434,localhost:11434,127.0.0.1:11434";

    private static PoolConfig pool(Settings s, String server, String model, boolean embedding) {
        String normalized = model == null ? null : PoolOverrides.normalizeModel(model);
        return s.poolOverrides().resolve(PoolOverrides.Globals.of(s), server, normalized, embedding);
    }

    private static List<String> messages(InvalidSettingsException e) {
        return e.problems().stream().map(SettingProblem::message).collect(Collectors.toList());
    }

    @Test
    void aServerNamedInTheEndpointsTakesItsOwnValuesFromASystemProperty() {
        Settings s = new Fixture().sys("rtbe.endpoints", TWO_SERVERS).sys("rtbe.slots.total", "2")
                .sys("rtbe.server.gpu.slots.total", "4").sys("rtbe.server.gpu.queue.be.max-wait", "30s").load();
        PoolConfig gpu = pool(s, "gpu", null, false);
        assertEquals(4, gpu.totalSlots());
        assertEquals(1, gpu.rtReservedSlots());
        assertEquals(Optional.of(Duration.ofSeconds(30)), gpu.beQueueMaxWait());
        assertEquals("rtbe.server.gpu.slots.total (system property)", gpu.totalSlotsSource());
        PoolConfig local = pool(s, "localhost:11434", "llama3.2", false);
        assertEquals(2, local.totalSlots());
        assertEquals(Optional.empty(), local.beQueueMaxWait());
        assertEquals(List.of(), s.warnings());
    }

    @Test
    void modelsByAliasFromEnvironmentVariables() {
        Settings s = new Fixture().env("RTBE_ENDPOINTS", TWO_SERVERS)
                .env("RTBE_SERVER_GPU_SLOTS_TOTAL", "4")
                .env("RTBE_MODEL_CHAT_NAME", "llama3.2:3b")
                .env("RTBE_MODEL_CHAT_SLOTS_TOTAL", "3")
                .env("RTBE_MODEL_CHAT_SLOTS_RT_RESERVED", "2").load();
        PoolConfig chat = pool(s, "gpu", "llama3.2:3b", false);
        assertEquals(3, chat.totalSlots());
        assertEquals(2, chat.rtReservedSlots());
        assertEquals("rtbe.model.chat.slots.total (environment variable RTBE_MODEL_CHAT_SLOTS_TOTAL)",
                chat.totalSlotsSource());
        assertEquals(3, pool(s, "localhost:11434", "LLAMA3.2:3B", false).totalSlots(), "names are case-insensitive");
        assertEquals(4, pool(s, "gpu", "other", false).totalSlots(), "another model on gpu: the server's value");
        assertEquals(1, pool(s, "localhost:11434", "other", false).totalSlots(), "the global default");
    }

    @Test
    void anEnvironmentNameWithUnderscoresKeepsThemInTheName() {
        assertEquals("rtbe.server.gpu_1.slots.rt-reserved", PoolOverrides.keyOfVariable("RTBE_SERVER_GPU_1_SLOTS_RT_RESERVED"));
        assertEquals("rtbe.model.my_chat.name", PoolOverrides.keyOfVariable("RTBE_MODEL_MY_CHAT_NAME"));
        assertEquals("rtbe.model.a.slots.max", PoolOverrides.keyOfVariable("RTBE_MODEL_A_SLOTS_MAX"));
        assertEquals("rtbe.model.q.queue.be.max-wait", PoolOverrides.keyOfVariable("RTBE_MODEL_Q_QUEUE_BE_MAX_WAIT"));
        assertEquals(null, PoolOverrides.keyOfVariable("RTBE_MODEL_CHAT_SLOTS"));
        assertEquals(null, PoolOverrides.keyOfVariable("RTBE_MODEL_NAME"), "no alias before the key");
    }

    @Test
    void modelNamesWithColonsDotsAndSlashesInAgentArgumentsAndFileLines() {
        Settings s = new Fixture()
                .args("endpoints=gpu@10.0.0.5:11434,localhost:11434;model.hf.name=hf.co/org/model:Q4_K_M,"
                        + "model.hf.slots.total=2,config.file=/f")
                .file("/f", "rtbe.model.emb.name=nomic-embed-text\nrtbe.model.emb.slots.total=2\n"
                        + "rtbe.model.emb.server=gpu\n")
                .load();
        assertEquals(2, pool(s, "localhost:11434", "hf.co/org/model:Q4_K_M", false).totalSlots());
        PoolConfig emb = pool(s, "gpu", "nomic-embed-text:latest", true);
        assertEquals(2, emb.totalSlots());
        assertEquals("rtbe.model.emb.slots.total (properties file /f)", emb.totalSlotsSource());
        assertEquals(1, pool(s, "localhost:11434", "nomic-embed-text", true).totalSlots(),
                "the alias is bound to gpu; elsewhere an embedding model runs one call at a time");
    }

    @Test
    void aSystemPropertyBeatsTheSameKeyFromTheEnvironment() {
        Settings s = new Fixture().sys("rtbe.model.chat.slots.total", "5").env("RTBE_MODEL_CHAT_SLOTS_TOTAL", "3")
                .env("RTBE_MODEL_CHAT_NAME", "llama3.2").load();
        assertEquals(5, pool(s, "localhost:11434", "llama3.2:latest", false).totalSlots());
    }

    @Test
    void anAliasBoundToTheServerBeatsOneForEveryServer() {
        Settings s = new Fixture().sys("rtbe.endpoints", TWO_SERVERS)
                .sys("rtbe.model.any.name", "llama3.2").sys("rtbe.model.any.slots.total", "2")
                .sys("rtbe.model.ongpu.name", "llama3.2").sys("rtbe.model.ongpu.server", "gpu")
                .sys("rtbe.model.ongpu.slots.total", "6").load();
        assertEquals(6, pool(s, "gpu", "llama3.2", false).totalSlots());
        assertEquals(2, pool(s, "localhost:11434", "llama3.2", false).totalSlots());
    }

    @Test
    void embeddingPoolsRunOneCallUnlessTheirModelSaysOtherwise() {
        Settings s = new Fixture().sys("rtbe.slots.total", "4").sys("rtbe.slots.rt-reserved", "2").load();
        PoolConfig emb = pool(s, "localhost:11434", "nomic-embed-text", true);
        assertEquals(1, emb.totalSlots());
        assertEquals(0, emb.rtReservedSlots(), "an inherited R is lowered to N - 1");
        assertEquals("embedding model default", emb.totalSlotsSource());
        assertEquals(4, pool(s, "localhost:11434", "llama3.2", false).totalSlots());
    }

    @Test
    void autoEverywhereOrPerModelWithItsCeiling() {
        Settings s = new Fixture().sys("rtbe.slots.total", "auto").load();
        assertEquals(Settings.AUTO, s.totalSlots());
        assertEquals(8, s.maxSlots());
        assertEquals(1, s.rtReservedSlots(), "R default against the ceiling");
        assertEquals("auto", s.effective().get("rtbe.slots.total"));
        PoolConfig p = pool(s, "localhost:11434", "llama3.2", false);
        assertTrue(p.auto());
        assertEquals(8, p.maxSlots());

        Settings m = new Fixture().sys("rtbe.model.chat.name", "llama3.2").sys("rtbe.model.chat.slots.total", "AUTO")
                .sys("rtbe.model.chat.slots.max", "3").load();
        PoolConfig chat = pool(m, "localhost:11434", "llama3.2", false);
        assertTrue(chat.auto());
        assertEquals(3, chat.maxSlots());
        assertFalse(pool(m, "localhost:11434", "other", false).auto());
    }

    @Test
    void badValuesAreReportedWithTheirKeySourceAndWhatIsAllowed() {
        InvalidSettingsException e = new Fixture().sys("rtbe.endpoints", TWO_SERVERS)
                .sys("rtbe.server.gpu.slots.total", "zero")
                .env("RTBE_MODEL_CHAT_NAME", "llama3.2")
                .env("RTBE_MODEL_CHAT_QUEUE_RT_MAX_WAIT", "soon")
                .args("model.chat.preemption=sometimes")
                .fail();
        assertEquals(List.of(
                "rtbe.server.gpu.slots.total = \"zero\" (system property): not an integer; allowed: an integer >= 1, or auto",
                "rtbe.model.chat.preemption = \"sometimes\" (agent argument): not a known value; allowed: one of off, transparent",
                "rtbe.model.chat.queue.rt.max-wait = \"soon\" (environment variable RTBE_MODEL_CHAT_QUEUE_RT_MAX_WAIT): "
                        + e.problems().get(2).reason() + "; allowed: " + Types.durationOrNone().allowed()),
                messages(e));
    }

    @Test
    void unknownServersKeysAndAliasesWithoutAModelAreProblems() {
        InvalidSettingsException e = new Fixture()
                .sys("rtbe.server.nope.slots.total", "2")
                .sys("rtbe.model.chat.slots.totl", "2")
                .sys("rtbe.model.lonely.slots.total", "2")
                .sys("rtbe.model.Bad.name", "x")
                .env("RTBE_MODEL_CHAT_SLOTS", "2")
                .fail();
        assertEquals(List.of(
                "RTBE_MODEL_CHAT_SLOTS = \"2\" (environment variable): ends in no key of RTBE_MODEL_<ALIAS>_<KEY>; allowed:"
                        + " a KEY of NAME, SERVER, SLOTS_TOTAL, SLOTS_RT_RESERVED, SLOTS_MAX, QUEUE_RT_MAX_LENGTH,"
                        + " QUEUE_BE_MAX_LENGTH, QUEUE_RT_MAX_WAIT, QUEUE_BE_MAX_WAIT, PREEMPTION",
                "rtbe.model.Bad.name = \"x\" (system property): \"Bad\" is not a valid alias in rtbe.model.<alias>.<key>;"
                        + " allowed: a name of a lower-case letter, then lower-case letters, digits or _",
                "rtbe.model.chat.slots.totl = \"2\" (system property): \"slots.totl\" is not a key of rtbe.model.<alias>;"
                        + " allowed: one of name, server, slots.total, slots.rt-reserved, slots.max, queue.rt.max-length,"
                        + " queue.be.max-length, queue.rt.max-wait, queue.be.max-wait, preemption",
                "rtbe.server.nope.slots.total = \"2\" (system property): no server is named \"nope\" in rtbe.endpoints;"
                        + " allowed: a server named in rtbe.endpoints as name@host:port (none is named)",
                "rtbe.model.lonely.name = \"\" (not set): the alias lonely has settings but names no model;"
                        + " allowed: rtbe.model.lonely.name=<model>, e.g. llama3.2:3b"),
                messages(e));
    }

    @Test
    void aModelBoundToAnUnknownServerOrNamedTwiceIsAProblem() {
        InvalidSettingsException e = new Fixture().sys("rtbe.endpoints", TWO_SERVERS)
                .sys("rtbe.model.a.name", "llama3.2").sys("rtbe.model.a.server", "cpu")
                .sys("rtbe.model.b.name", "qwen3").sys("rtbe.model.c.name", "Qwen3:latest")
                .fail();
        assertEquals(List.of(
                "rtbe.model.a.server = \"cpu\" (system property): no server \"cpu\" among rtbe.endpoints;"
                        + " allowed: one of gpu, localhost:11434",
                "rtbe.model.c.name = \"Qwen3:latest\" (system property): the alias b names the same model;"
                        + " allowed: one alias per model and server"),
                messages(e));
    }

    @Test
    void reservedSlotsMustLeaveBatchASlotInEveryPool() {
        InvalidSettingsException e = new Fixture().sys("rtbe.model.chat.name", "llama3.2")
                .sys("rtbe.model.chat.slots.total", "2").sys("rtbe.model.chat.slots.rt-reserved", "2").fail();
        assertEquals(List.of("rtbe.model.chat.slots.rt-reserved = \"2\" (system property): 2 reserved slots leave no"
                        + " slot for batch calls in pool localhost:11434/llama3.2:latest with N = 2 from"
                        + " rtbe.model.chat.slots.total (system property); it must be less than N;"
                        + " allowed: an integer from 0 to 1"),
                messages(e));

        Settings lowered = new Fixture().sys("rtbe.slots.total", "3").sys("rtbe.slots.rt-reserved", "2")
                .sys("rtbe.model.chat.name", "llama3.2").sys("rtbe.model.chat.slots.total", "2").load();
        assertEquals(1, pool(lowered, "localhost:11434", "llama3.2", false).rtReservedSlots());
    }

    @Test
    void autoChecksReservedSlotsAgainstTheCeiling() {
        InvalidSettingsException e = new Fixture().sys("rtbe.slots.total", "auto").sys("rtbe.slots.max", "2")
                .sys("rtbe.slots.rt-reserved", "2").fail();
        assertEquals(List.of("rtbe.slots.rt-reserved = \"2\" (system property): 2 reserved slots leave no slot for"
                        + " batch calls with rtbe.slots.max = 2 (system property) for rtbe.slots.total = auto; it must be"
                        + " less than the total; allowed: an integer from 0 to 1"),
                messages(e));
    }

    @Test
    void ollamaSpellingsOfOneModelAreOneName() {
        assertEquals("llama3.2:latest", PoolOverrides.normalizeModel(" Llama3.2 "));
        assertEquals("llama3.2:3b", PoolOverrides.normalizeModel("llama3.2:3b"));
        assertEquals("hf.co/org/model:q4_k_m", PoolOverrides.normalizeModel("hf.co/org/model:Q4_K_M"));
        assertEquals("registry.local:5000/org/model:latest", PoolOverrides.normalizeModel("registry.local:5000/org/model"));
    }

    @Test
    void endpointsNameTheirServers() throws BadValueException {
        assertEquals("localhost:11434", Endpoint.parse("localhost:11434").server());
        assertEquals("localhost:11434", Endpoint.parse("127.0.0.1").server());
        assertEquals("localhost:11434", Endpoint.parse("http://[::1]:11434").server());
        assertEquals("localhost:8080/ollama", Endpoint.parse("localhost:8080/ollama").server());
        assertEquals("10.0.0.5:11434", Endpoint.parse("10.0.0.5").server());
        Endpoint named = Endpoint.parse("gpu@https://10.0.0.5:443/ollama");
        assertEquals("gpu", named.server());
        assertTrue(named.named());
        assertEquals("gpu@https://10.0.0.5:443/ollama", named.toString());
        assertTrue(named.matches("https", "10.0.0.5", 443, "/ollama/api/chat"));
    }

    @Test
    void aBadServerNameInTheEndpointsIsReported() {
        InvalidSettingsException e = new Fixture().sys("rtbe.endpoints", "GPU@10.0.0.5").fail();
        assertEquals(List.of("rtbe.endpoints = \"GPU@10.0.0.5\" (system property): endpoint \"GPU@10.0.0.5\": server"
                + " name \"GPU\" is not a lower-case letter, then lower-case letters, digits or _; allowed: "
                + Types.endpoints().allowed()), messages(e));
    }
}
