package dev.rtbe.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonAndMainTest {
    @Test
    void jsonRoundTrip() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n\u0001é");
        m.put("n", 12345678901L);
        m.put("d", 1.5);
        m.put("b", true);
        m.put("z", null);
        m.put("l", List.of(1L, "x", Map.of()));
        String text = Json.write(m);
        assertEquals(m, Json.parse(text));
        assertEquals(List.of(1L, 2.5, "é"), ((Map<?, ?>) Json.parse("{\"a\":[1,2.5,\"\\u00e9\"]}")).get("a"));
        assertEquals("invalid character 'x' looking for beginning of value",
                assertThrows(Json.ParseException.class, () -> Json.parse("x")).getMessage());
        assertThrows(Json.ParseException.class, () -> Json.parse("{\"a\":1"));
        assertThrows(Json.ParseException.class, () -> Json.parse("{} {}"));
    }

    @Test
    void textIsDeterministic() {
        int seed = TextGenerator.seed("prompt");
        assertEquals(TextGenerator.text(seed, 20), TextGenerator.text(TextGenerator.seed("prompt"), 20));
        assertEquals(TextGenerator.text(seed, 20), String.join("", Arrays.asList(
                java.util.stream.IntStream.range(0, 20).mapToObj(i -> TextGenerator.token(seed, i)).toArray(String[]::new))));
    }

    @Test
    void mainParsesOptions() {
        SimulatorConfig c = SimulatorMain.parse(new String[] {"--port", "0", "--slots", "3", "--scale", "60",
                "--max-queue", "5", "--load-ms", "2000", "--decode-tps", "40", "--models", "a,b:7b", "--keep-computing"});
        assertEquals(0, c.port());
        assertEquals(3, c.slots());
        assertEquals(60.0, c.timeScale());
        assertEquals(5, c.maxQueue());
        assertEquals(Duration.ofSeconds(2), c.modelLoadTime());
        assertEquals(40.0, c.decodeTokensPerSecond());
        assertEquals(List.of("a", "b:7b"), c.models());
        assertEquals(DisconnectPolicy.KEEP_COMPUTING, c.nonStreamingDisconnect());
        assertEquals(11434, SimulatorMain.parse(new String[0]).port());
        assertNull(SimulatorMain.parse(new String[] {"--help"}));
        assertThrows(IllegalArgumentException.class, () -> SimulatorMain.parse(new String[] {"--slots"}));
        assertThrows(IllegalArgumentException.class, () -> SimulatorMain.parse(new String[] {"--bogus", "1"}));
    }

    @Test
    void mainParsesPerModelOptions() {
        SimulatorConfig c = SimulatorMain.parse(new String[] {"--slots", "2", "--model-slots", "qwen2.5=4,llama3.2:1b=3",
                "--model-slots", "phi3=1", "--max-loaded-models", "3", "--embedding-models", "all-minilm",
                "--model-load-ms", "qwen2.5=1500"});
        assertEquals(Map.of("qwen2.5:latest", 4, "llama3.2:1b", 3, "phi3:latest", 1), c.modelSlots());
        assertEquals(4, c.slotsFor("qwen2.5"));
        assertEquals(2, c.slotsFor("other"));
        assertEquals(3, c.maxLoadedModels());
        assertEquals(1, c.slotsFor("all-minilm"));
        assertEquals(2, c.slotsFor("nomic-embed-text"), "the explicit list replaces the default rule");
        assertEquals(Duration.ofMillis(1500), c.loadTimeFor("qwen2.5:latest"));
        assertEquals(Duration.ZERO, c.loadTimeFor("phi3"));
        assertEquals(1, SimulatorMain.parse(new String[0]).slotsFor("nomic-embed-text"));
        assertEquals(0, SimulatorMain.parse(new String[0]).maxLoadedModels(), "unlimited by default");

        assertEquals("bad value for --model-slots: qwen2.5 (expected name=value,...)", assertThrows(
                IllegalArgumentException.class, () -> SimulatorMain.parse(new String[] {"--model-slots", "qwen2.5"})).getMessage());
        assertThrows(IllegalArgumentException.class, () -> SimulatorMain.parse(new String[] {"--model-slots", "a=x"}));
        assertThrows(IllegalArgumentException.class, () -> SimulatorMain.parse(new String[] {"--max-loaded-models", "-1"}));
        assertThrows(IllegalArgumentException.class,
                () -> SimulatorMain.parse(new String[] {"--model-slots", "nomic-embed-text=2"}), "embedding models run 1 slot");
    }
}
