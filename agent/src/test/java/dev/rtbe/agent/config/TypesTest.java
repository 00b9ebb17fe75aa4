package dev.rtbe.agent.config;

import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.RtOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TypesTest {

    private static String reason(SettingType<?> type, String raw) {
        return assertThrows(BadValueException.class, () -> type.parse(raw)).reason();
    }

    @Test
    void sharesAndOff() throws Exception {
        SettingType<Double> t = Types.shareOrOff();
        assertEquals(0.02, t.parse("0.02"));
        assertEquals(Types.OFF, t.parse(" OFF "));
        assertEquals("off", t.format(Types.OFF));
        assertEquals("0.3", t.format(0.3));
        assertEquals("above 1", reason(t, "1.5"));
        assertEquals("below the minimum 0", reason(t, "-1"));
        assertEquals("not a decimal number", reason(t, "none"));
    }

    @Test
    void integers() throws Exception {
        SettingType<Integer> t = Types.integer(1);
        assertEquals(3, t.parse(" 3 "));
        assertEquals(1, t.parse("+1"));
        assertEquals("not an integer", reason(t, "zero"));
        assertEquals("not an integer", reason(t, "1.5"));
        assertEquals("not an integer", reason(t, ""));
        assertEquals("below the minimum 1", reason(t, "0"));
        assertEquals("too large", reason(t, "99999999999"));
        assertEquals("an integer >= 1", t.allowed());
        assertEquals(0, Types.integer(0).parse("0"));
    }

    @Test
    void decimals() throws Exception {
        SettingType<Double> t = Types.decimal(0);
        assertEquals(0.5, t.parse("0.5"));
        assertEquals(2.0, t.parse("2"));
        assertEquals(0.25, t.parse(".25"));
        assertEquals(1000.0, t.parse("1e3"));
        assertEquals("not a decimal number", reason(t, "NaN"));
        assertEquals("not a decimal number", reason(t, "Infinity"));
        assertEquals("not a decimal number", reason(t, "1d"));
        assertEquals("not a decimal number", reason(t, "half"));
        assertEquals("below the minimum 0", reason(t, "-0.1"));
        assertEquals("too large", reason(t, "1e999"));
        assertEquals("a decimal number >= 0", t.allowed());
        assertEquals("0.5", t.format(0.5));
        assertEquals("2", t.format(2.0));
    }

    @Test
    void booleansAreStrict() throws Exception {
        SettingType<Boolean> t = Types.bool();
        assertEquals(true, t.parse("TRUE"));
        assertEquals(false, t.parse("False"));
        assertEquals("not a boolean", reason(t, "yes"));
        assertEquals("not a boolean", reason(t, "1"));
        assertEquals("not a boolean", reason(t, ""));
        assertEquals("true or false", t.allowed());
    }

    @Test
    void durations() throws Exception {
        SettingType<Duration> t = Types.duration();
        assertEquals(Duration.ofMillis(500), t.parse("500ms"));
        assertEquals(Duration.ofSeconds(60), t.parse("60s"));
        assertEquals(Duration.ofMinutes(2), t.parse("2m"));
        assertEquals(Duration.ofHours(1), t.parse("1H"));
        assertEquals(Duration.ofSeconds(45), t.parse("45"));
        assertEquals(Duration.ofMillis(1500), t.parse("1.5s"));
        assertEquals(Duration.ofMillis(500), t.parse("0.5"));
        assertEquals(Duration.ofMillis(250), t.parse(".25 s"));
        assertEquals(Duration.ZERO, t.parse("0"));
        assertEquals("negative durations are not allowed", reason(t, "-1s"));
        assertEquals("not a duration", reason(t, "1d"));
        assertEquals("not a duration", reason(t, "soon"));
        assertEquals("not a duration", reason(t, "none"));
        assertEquals("not a duration", reason(t, "1.2.3s"));
        assertEquals("too large", reason(t, "99999999999h"));
    }

    @Test
    void durationFormat() {
        assertEquals("0s", Durations.format(Duration.ZERO));
        assertEquals("500ms", Durations.format(Duration.ofMillis(500)));
        assertEquals("1.5s", Durations.format(Duration.ofMillis(1500)));
        assertEquals("1m", Durations.format(Duration.ofSeconds(60)));
        assertEquals("3m", Durations.format(Duration.ofSeconds(180)));
        assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("30m", Durations.format(Duration.ofMinutes(30)));
        assertEquals("2h", Durations.format(Duration.ofHours(2)));
    }

    @Test
    void durationOrNone() throws Exception {
        SettingType<Optional<Duration>> t = Types.durationOrNone();
        assertEquals(Optional.empty(), t.parse("none"));
        assertEquals(Optional.empty(), t.parse("OFF"));
        assertEquals(Optional.of(Duration.ofSeconds(5)), t.parse("5s"));
        assertEquals("none", t.format(Optional.empty()));
        assertEquals("negative durations are not allowed", reason(t, "-5s"));
        assertEquals(Durations.ALLOWED + ", or none", t.allowed());
    }

    @Test
    void enumsIgnoreCase() throws Exception {
        SettingType<RtOrder> t = Types.enumOf(RtOrder.class);
        assertEquals(RtOrder.LIFO, t.parse("LiFo"));
        assertEquals("not a known value", reason(t, "random"));
        assertEquals("one of fifo, lifo", t.allowed());
        assertEquals("lifo", t.format(RtOrder.LIFO));
    }

    @Test
    void listsTrimAndDropEmpties() throws Exception {
        SettingType<List<String>> t = Types.list();
        assertEquals(List.of("a", "b c", "d"), t.parse(" a , b c,,d, "));
        assertEquals(List.of(), t.parse(""));
        assertEquals("a,d", t.format(List.of("a", "d")));
    }

    @Test
    void stackPatterns() throws Exception {
        SettingType<List<String>> t = Types.stackPatterns();
        assertEquals(List.of("com.acme.chat.*", "com.acme.Batch#run", "Outer$Inner", "com.acme.*#handle*"),
                t.parse("com.acme.chat.*, com.acme.Batch#run,Outer$Inner,com.acme.*#handle*"));
        assertEquals("\"com..acme\" is not a class or package pattern", reason(t, "com..acme"));
        assertEquals("\"com.acme.\" is not a class or package pattern", reason(t, "com.acme."));
        assertEquals("\"com/acme\" is not a class or package pattern", reason(t, "com/acme"));
        assertEquals("\"com.Acme#\" has no valid method name after #", reason(t, "com.Acme#"));
        assertEquals("\"com.Acme#a#b\" has no valid method name after #", reason(t, "com.Acme#a#b"));
    }

    @Test
    void headerNames() throws Exception {
        assertEquals("X-Rtbe-Priority", Types.headerName().parse("X-Rtbe-Priority"));
        assertEquals("not a valid HTTP header name", reason(Types.headerName(), "X Priority"));
        assertEquals("not a valid HTTP header name", reason(Types.headerName(), ""));
    }

    @Test
    void pathOrNone() throws Exception {
        assertEquals(Optional.of("/etc/rtbe.properties"), Types.pathOrNone().parse("/etc/rtbe.properties"));
        assertEquals(Optional.empty(), Types.pathOrNone().parse("none"));
        assertEquals("empty", reason(Types.pathOrNone(), " "));
    }

    @Test
    void endpointListNeedsAnEntry() throws Exception {
        assertEquals(2, Types.endpoints().parse("a:1, b").size());
        assertEquals("no endpoint given", reason(Types.endpoints(), " , "));
        assertEquals("a:1,[0:0:0:0:0:0:0:1]:11434/ollama", Types.endpoints().format(Types.endpoints().parse("a:1,[::1]/ollama/")));
    }
}
