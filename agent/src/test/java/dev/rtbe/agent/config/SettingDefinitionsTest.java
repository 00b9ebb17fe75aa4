package dev.rtbe.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SettingDefinitionsTest {

    @Test
    void everyDefaultParses() throws Exception {
        for (Setting<?> s : SettingDefinitions.all()) {
            if (s.defaultValue().isPresent()) {
                s.type().parse(s.defaultValue().get());
            }
        }
    }

    @Test
    void namesAndEnvironmentNamesAreUniqueAndWellFormed() {
        Set<String> env = new HashSet<>();
        for (Setting<?> s : SettingDefinitions.all()) {
            assertTrue(s.name().matches("rtbe(\\.[a-z][a-z0-9-]*)+"), s.name());
            assertTrue(env.add(s.envName()), s.envName());
            assertFalse(s.description().isEmpty(), s.name());
            assertEquals(s, SettingDefinitions.byName(s.name()));
        }
        assertEquals(45, SettingDefinitions.all().size());
    }

    @Test
    void settingsMarkdownIsUpToDate() throws Exception {
        // Surefire runs in the module directory; regenerate with SettingsTable.main when this fails.
        String committed = new String(Files.readAllBytes(Path.of("SETTINGS.md")), StandardCharsets.UTF_8);
        assertEquals(SettingsTable.markdown(), committed);
    }

    @Test
    void readmeCarriesTheSameSettingsTable() throws Exception {
        String readme = new String(Files.readAllBytes(Path.of("../README.md")), StandardCharsets.UTF_8);
        for (String row : SettingsTable.markdown().split("\n")) {
            if (row.startsWith("| `")) {
                assertTrue(readme.contains(row), "README.md lacks or has an outdated row: " + row);
            }
        }
    }

    @Test
    void tableHasOneRowPerSetting() {
        String md = SettingsTable.markdown();
        for (Setting<?> s : SettingDefinitions.all()) {
            assertTrue(md.contains("| `" + s.name() + "` | `" + s.envName() + "` |"), s.name());
        }
        assertTrue(md.contains("| `rtbe.slots.total` | `RTBE_SLOTS_TOTAL` | `OLLAMA_NUM_PARALLEL` | `1` |"));
    }
}
