package dev.rtbe.simulator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny JSON reader and writer, enough for Ollama's request and response bodies. Kept in-house so the simulator
 * has no dependencies that could clash with the agent's or an application's classpath.
 *
 * <p>Objects read as {@link LinkedHashMap}, arrays as {@link ArrayList}, numbers as {@link Long} when integral
 * (no fraction or exponent) and {@link Double} otherwise.
 */
public final class Json {
    private Json() {}

    /** Thrown for malformed input; the message mimics Go's encoding/json wording that Ollama passes on. */
    public static final class ParseException extends Exception {
        private static final long serialVersionUID = 1L;

        ParseException(String message) {
            super(message);
        }
    }

    public static Object parse(String text) throws ParseException {
        Reader r = new Reader(text);
        r.skipWs();
        if (r.pos >= text.length()) {
            throw new ParseException("unexpected end of JSON input");
        }
        Object value = r.value();
        r.skipWs();
        if (r.pos < text.length()) {
            throw new ParseException("invalid character '" + text.charAt(r.pos) + "' after top-level value");
        }
        return value;
    }

    public static String write(Object value) {
        StringBuilder sb = new StringBuilder(128);
        write(sb, value);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String) {
            writeString(sb, (String) v);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            sb.append(Double.isFinite(d) ? (d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d)) : "null");
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) sb.append(',');
                first = false;
                writeString(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof Iterable) {
            sb.append('[');
            boolean first = true;
            for (Object o : (Iterable<?>) v) {
                if (!first) sb.append(',');
                first = false;
                write(sb, o);
            }
            sb.append(']');
        } else {
            writeString(sb, v.toString());
        }
    }

    private static void writeString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    private static final class Reader {
        final String s;
        int pos;

        Reader(String s) {
            this.s = s;
        }

        void skipWs() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        ParseException unexpected(String where) {
            if (pos >= s.length()) return new ParseException("unexpected end of JSON input");
            return new ParseException("invalid character '" + s.charAt(pos) + "' " + where);
        }

        Object value() throws ParseException {
            skipWs();
            if (pos >= s.length()) throw unexpected("looking for beginning of value");
            char c = s.charAt(pos);
            switch (c) {
                case '{': return object();
                case '[': return array();
                case '"': return string();
                case 't': return literal("true", Boolean.TRUE);
                case 'f': return literal("false", Boolean.FALSE);
                case 'n': return literal("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return number();
                    throw unexpected("looking for beginning of value");
            }
        }

        Object literal(String word, Object value) throws ParseException {
            if (!s.startsWith(word, pos)) throw unexpected("in literal " + word);
            pos += word.length();
            return value;
        }

        Map<String, Object> object() throws ParseException {
            Map<String, Object> m = new LinkedHashMap<>();
            pos++;
            skipWs();
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return m;
            }
            while (true) {
                skipWs();
                if (pos >= s.length() || s.charAt(pos) != '"') throw unexpected("looking for beginning of object key string");
                String key = string();
                skipWs();
                if (pos >= s.length() || s.charAt(pos) != ':') throw unexpected("after object key");
                pos++;
                m.put(key, value());
                skipWs();
                if (pos >= s.length()) throw unexpected("after object key:value pair");
                char c = s.charAt(pos++);
                if (c == '}') return m;
                if (c != ',') {
                    pos--;
                    throw unexpected("after object key:value pair");
                }
            }
        }

        List<Object> array() throws ParseException {
            List<Object> list = new ArrayList<>();
            pos++;
            skipWs();
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return list;
            }
            while (true) {
                list.add(value());
                skipWs();
                if (pos >= s.length()) throw unexpected("after array element");
                char c = s.charAt(pos++);
                if (c == ']') return list;
                if (c != ',') {
                    pos--;
                    throw unexpected("after array element");
                }
            }
        }

        String string() throws ParseException {
            StringBuilder sb = new StringBuilder();
            pos++;
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == '"') return sb.toString();
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (pos >= s.length()) break;
                char e = s.charAt(pos++);
                switch (e) {
                    case '"': case '\\': case '/': sb.append(e); break;
                    case 'b': sb.append('\b'); break;
                    case 'f': sb.append('\f'); break;
                    case 'n': sb.append('\n'); break;
                    case 'r': sb.append('\r'); break;
                    case 't': sb.append('\t'); break;
                    case 'u':
                        if (pos + 4 > s.length()) throw new ParseException("unexpected end of JSON input");
                        try {
                            sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw new ParseException("invalid character in \\u hexadecimal character escape");
                        }
                        pos += 4;
                        break;
                    default:
                        throw new ParseException("invalid character '" + e + "' in string escape code");
                }
            }
            throw new ParseException("unexpected end of JSON input");
        }

        Number number() throws ParseException {
            int start = pos;
            boolean integral = true;
            if (s.charAt(pos) == '-') pos++;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c >= '0' && c <= '9') {
                    pos++;
                } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                    integral = false;
                    pos++;
                } else {
                    break;
                }
            }
            String t = s.substring(start, pos);
            try {
                if (integral) {
                    try {
                        return Long.parseLong(t);
                    } catch (NumberFormatException tooBig) {
                        return Double.parseDouble(t);
                    }
                }
                return Double.parseDouble(t);
            } catch (NumberFormatException ex) {
                throw new ParseException("invalid number literal " + t);
            }
        }
    }
}
