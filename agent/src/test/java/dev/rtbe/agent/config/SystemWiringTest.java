package dev.rtbe.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The production wiring: this JVM's properties and environment, and a real file. */
class SystemWiringTest {

    @Test
    void readsARealPropertiesFileNamedInTheAgentArgument(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rtbe.properties");
        Files.write(file, "rtbe.classify.rt-stack=com.acme.Größe#run\nrtbe.log.calls=true\n".getBytes(StandardCharsets.UTF_8));
        Settings s = SettingsLoader.fromSystem("config.file=" + file).load();
        assertTrue(s.logCalls());
        assertEquals(java.util.List.of("com.acme.Größe#run"), s.rtStackPatterns()); // read as UTF-8
        assertEquals("properties file " + file, s.sourceOf("rtbe.log.calls"));
    }

    @Test
    void missingRealFileIsAProblem(@TempDir Path dir) {
        Path file = dir.resolve("absent.properties");
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> SettingsLoader.fromSystem("config.file=" + file).load());
        assertEquals("cannot read the file: no such file", e.problems().get(0).reason());
    }
}
