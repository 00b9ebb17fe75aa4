package dev.rtbe.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NameSuggesterTest {

    @Test
    void levenshtein() {
        assertEquals(0, NameSuggester.distance("abc", "abc"));
        assertEquals(3, NameSuggester.distance("kitten", "sitting"));
        assertEquals(3, NameSuggester.distance("", "abc"));
    }

    @Test
    void nearestWithinReach() {
        List<String> known = List.of("rtbe.slots.total", "rtbe.slots.rt-reserved", "rtbe.log.calls");
        assertEquals(Optional.of("rtbe.slots.total"), NameSuggester.nearest("rtbe.slot.total", known, "rtbe."));
        assertEquals(Optional.of("rtbe.log.calls"), NameSuggester.nearest("log.call", known, "rtbe."));
        assertEquals(Optional.empty(), NameSuggester.nearest("rtbe.agent.jar", known, "rtbe."));
    }
}
