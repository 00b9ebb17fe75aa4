package dev.rtbe.agent.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.wire.JsonReader.Token;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class JsonReaderTest {

    private static JsonReader reader(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return new JsonReader().reset(b, 0, b.length);
    }

    private static String string(String json) throws JsonException {
        JsonReader r = reader(json);
        String s = r.nextString();
        r.endDocument();
        return s;
    }

    /** Walks a whole document into a flat token list, validating it. */
    private static List<String> walk(String json) throws JsonException {
        JsonReader r = reader(json);
        List<String> out = new ArrayList<>();
        int depth = 0;
        do {
            Token t = r.peek();
            switch (t) {
                case BEGIN_OBJECT -> { r.beginObject(); depth++; out.add("{"); }
                case END_OBJECT -> { r.endObject(); depth--; out.add("}"); }
                case BEGIN_ARRAY -> { r.beginArray(); depth++; out.add("["); }
                case END_ARRAY -> { r.endArray(); depth--; out.add("]"); }
                case NAME -> out.add(r.nextName() + ":");
                case STRING -> out.add("'" + r.nextString() + "'");
                case NUMBER -> out.add(Double.toString(r.nextDouble()));
                case TRUE, FALSE -> out.add(Boolean.toString(r.nextBoolean()));
                case NULL -> { r.nextNull(); out.add("null"); }
                case END_DOCUMENT -> throw new AssertionError("early end");
            }
        } while (depth > 0);
        r.endDocument();
        return out;
    }

    @Test
    void decodesEscapes() throws JsonException {
        assertEquals("a\"b\\c/d\b\f\n\r\t", string("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\""));
        assertEquals("é", string("\"\\u00e9\""));
        assertEquals("é", string("\"\\u00E9\""));
        assertEquals("x😀y", string("\"x\\ud83d\\ude00y\""), "surrogate pair");
        assertEquals("日本語 ok", string("\"日本語 ok\""), "raw UTF-8");
        assertEquals("日\n本", string("\"日\\n本\""), "raw UTF-8 around an escape");
        assertEquals("", string("\"\""));
    }

    @Test
    void readsNumbers() throws JsonException {
        assertEquals(4935886791L, reader("4935886791").nextLong(-1));
        assertEquals(Long.MAX_VALUE, reader("9223372036854775807").nextLong(-1));
        assertEquals(Long.MIN_VALUE, reader("-9223372036854775808").nextLong(-1));
        assertEquals(-1, reader("9223372036854775808").nextLong(-1), "overflow falls back");
        assertEquals(-7, reader("99999999999999999999999").nextLong(-7));
        assertEquals(0, reader("0").nextLong(-1));
        assertEquals(-12, reader("-12").nextLong(-1));
        assertEquals(1000000000L, reader("1e9").nextLong(-1), "integral exponent form");
        assertEquals(1500, reader("1.5E3").nextLong(-1));
        assertEquals(-1, reader("1.5").nextLong(-1), "fraction falls back");
        assertEquals(-0.25e-3, reader("-0.25e-3").nextDouble());
        assertEquals(12.5, reader("125E-1").nextDouble());
        assertEquals(3.0, reader("3e+0").nextDouble());
    }

    @Test
    void walksNesting() throws JsonException {
        assertEquals(List.of("{", "a:", "[", "1.0", "{", "b:", "null", "}", "[", "]", "true", "false", "]",
                        "c:", "{", "}", "d:", "'x'", "}"),
                walk(" {\"a\" : [1, {\"b\":null}, [], true ,false], \"c\":{}, \"d\":\"x\"}\r\n"));
        assertEquals(List.of("[", "]"), walk("[]"));
    }

    @Test
    void skipsValuesAndMatchesKeys() throws JsonException {
        byte[][] keys = JsonReader.keys("model", "done");
        JsonReader r = reader("{\"context\":[1,[2,{\"x\":\"\\\"\"}]],\"mo\\u0064el\":\"m\",\"done\":true,\"zz\":1}");
        r.beginObject();
        assertEquals(-1, r.nextName(keys));
        r.skipValue();
        assertEquals(0, r.nextName(keys), "escaped name still matches");
        assertEquals("m", r.nextString());
        assertEquals(1, r.nextName(keys));
        assertTrue(r.optTrue());
        assertEquals(-1, r.nextName(keys));
        r.skipValue();
        assertFalse(r.hasNext());
        r.endObject();
        r.endDocument();
    }

    @Test
    void lenientAccessorsSkipWrongTypes() throws JsonException {
        JsonReader r = reader("[\"\",\"a\",5,[],[0],{\"k\":1},null]");
        r.beginArray();
        assertFalse(r.optNonEmptyString());
        assertTrue(r.optNonEmptyString());
        assertNull(r.optString());
        assertFalse(r.optNonEmptyArray());
        assertTrue(r.optNonEmptyArray());
        assertEquals(-3, r.optLong(-3));
        assertFalse(r.optTrue());
        r.endArray();
        r.endDocument();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "{", "}", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{'a':1}",
            "01", "-", "1.", ".5", "1e", "+1", "0x10", "NaN", "tru", "truex", "nul", "\"abc", "\"a\\x\"",
            "\"\\u12G4\"", "\"\\u12\"", "\"tab\there\"", "{} {}", "[1] 2", "{\"a\":1]", "[1}", "\"a\"\"b\""})
    void rejectsMalformed(String json) {
        assertThrows(JsonException.class, () -> walk(json));
    }

    @Test
    void rejectsRawControlCharacterAndTooDeep() {
        assertThrows(JsonException.class, () -> walk("\"a\nb\""));
        String deep = "[".repeat(JsonReader.MAX_DEPTH + 1) + "]".repeat(JsonReader.MAX_DEPTH + 1);
        assertThrows(JsonException.class, () -> walk(deep));
        String ok = "[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH);
        assertEquals(2 * JsonReader.MAX_DEPTH, assertDoesNotThrowWalk(ok).size());
    }

    private static List<String> assertDoesNotThrowWalk(String json) {
        try {
            return walk(json);
        } catch (JsonException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void readsWithinTheGivenRangeOnly() throws JsonException {
        byte[] b = "xx{\"a\":1}yy".getBytes(StandardCharsets.UTF_8);
        JsonReader r = new JsonReader().reset(b, 2, 7);
        r.skipValue();
        r.endDocument();
        // Reuse after reset.
        r.reset(b, 0, b.length);
        assertThrows(JsonException.class, r::skipValue);
    }
}
