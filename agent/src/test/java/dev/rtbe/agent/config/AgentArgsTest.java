package dev.rtbe.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentArgsTest {

    @Test
    void pairsWithAndWithoutPrefix() {
        AgentArgs a = AgentArgs.parse("slots.total=3,rtbe.slots.rt-reserved=1");
        assertEquals(Map.of("rtbe.slots.total", "3", "rtbe.slots.rt-reserved", "1"), a.values);
        assertTrue(a.problems.isEmpty());
    }

    @Test
    void nullOrBlankIsNothing() {
        assertTrue(AgentArgs.parse(null).values.isEmpty());
        assertTrue(AgentArgs.parse("  ").values.isEmpty());
        assertTrue(AgentArgs.parse("  ").problems.isEmpty());
    }

    @Test
    void pieceWithoutEqualsContinuesTheList() {
        AgentArgs a = AgentArgs.parse("endpoints=localhost:11434,127.0.0.1:11434,slots.total=2,"
                + "classify.rt-stack=a.b.C,d.e");
        assertEquals("localhost:11434,127.0.0.1:11434", a.values.get("rtbe.endpoints"));
        assertEquals("2", a.values.get("rtbe.slots.total"));
        assertEquals("a.b.C,d.e", a.values.get("rtbe.classify.rt-stack"));
        assertTrue(a.problems.isEmpty());
    }

    @Test
    void semicolonSeparatesPairs() {
        AgentArgs a = AgentArgs.parse("endpoints=a:1,b:2; slots.total = 3 ;rt.order=lifo");
        assertEquals("a:1,b:2", a.values.get("rtbe.endpoints"));
        assertEquals("3", a.values.get("rtbe.slots.total"));
        assertEquals("lifo", a.values.get("rtbe.rt.order"));
    }

    @Test
    void firstPieceWithoutEqualsIsAProblem() {
        AgentArgs a = AgentArgs.parse("verbose,slots.total=2");
        assertEquals(1, a.problems.size());
        assertEquals("\"verbose\" (agent argument): not a key=value pair; allowed: " + AgentArgs.ALLOWED,
                a.problems.get(0).message());
        assertEquals("2", a.values.get("rtbe.slots.total"));
    }

    @Test
    void pieceAfterSemicolonWithoutEqualsIsAProblem() {
        AgentArgs a = AgentArgs.parse("slots.total=2;oops");
        assertEquals(List.of("oops"), a.problems.stream().map(SettingProblem::value).collect(java.util.stream.Collectors.toList()));
        assertEquals("2", a.values.get("rtbe.slots.total"));
    }

    @Test
    void emptyKeyIsAProblem() {
        AgentArgs a = AgentArgs.parse("=3");
        assertEquals("empty key", a.problems.get(0).reason());
    }

    @Test
    void emptyValueIsKeptAndEmptyPiecesIgnored() {
        AgentArgs a = AgentArgs.parse("classify.rt-stack=,,slots.total=1,");
        assertEquals("", a.values.get("rtbe.classify.rt-stack"));
        assertTrue(a.problems.isEmpty());
    }

    @Test
    void repeatedKeyWarnsAndLastWins() {
        AgentArgs a = AgentArgs.parse("slots.total=1,slots.total=4");
        assertEquals("4", a.values.get("rtbe.slots.total"));
        assertEquals(List.of("rtbe.slots.total is given twice in the agent argument; the last value wins"), a.warnings);
    }

    @Test
    void valueMayContainEquals() {
        assertEquals("a=b", AgentArgs.parse("classify.header=a=b").values.get("rtbe.classify.header"));
    }
}
