package dev.rtbe.agent.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a dashboard's PromQL names: its metric selectors with their label matchers, and the labels each
 * aggregation groups by (with the selectors it aggregates). Grafana's variables ({@code $x},
 * {@code ${x}}) may stand in strings and ranges. Constructs it does not understand ({@code on},
 * {@code ignoring}, {@code @}, selectors by {@code __name__}) are refused, so a query it cannot check
 * fails the check instead of passing it.
 */
final class PromQl {
    record LabelMatcher(String label, String op, String value) {}

    record Selector(String metric, List<LabelMatcher> matchers) {}

    /** {@code by} or {@code without} labels, and the selectors inside the aggregation they apply to. */
    record Grouping(String clause, List<String> labels, List<Selector> selectors) {}

    record Query(List<Selector> selectors, List<Grouping> groupings) {}

    /** A Grafana {@code label_values(query, label)} variable query. */
    record LabelValues(Query query, String label) {}

    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
            "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    private static final Set<String> GROUPING = Set.of("by", "without");
    private static final Set<String> UNSUPPORTED = Set.of("on", "ignoring", "group_left", "group_right", "offset");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "inf", "nan");
    private static final Pattern LABEL_VALUES = Pattern.compile(
            "\\s*label_values\\s*\\((.*),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)\\s*", Pattern.DOTALL);

    private enum Type { IDENT, NUMBER, STRING, VARIABLE, RANGE, LPAREN, RPAREN, LBRACE, RBRACE, COMMA, MATCH_OP, OPERATOR }

    private record Token(Type type, String text, int at) {}

    private final String expr;
    private final List<Token> tokens;

    private PromQl(String expr) {
        this.expr = expr;
        this.tokens = tokenize(expr);
    }

    static Query parse(String expr) {
        return new PromQl(expr).query();
    }

    static LabelValues labelValues(String variableQuery) {
        Matcher m = LABEL_VALUES.matcher(variableQuery);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a label_values(query, label) variable query: " + variableQuery);
        }
        return new LabelValues(parse(m.group(1)), m.group(2));
    }

    private Query query() {
        checkBalanced();
        List<Selector> selectors = new ArrayList<>();
        List<Integer> selectorAt = new ArrayList<>();
        List<int[]> groupingRanges = new ArrayList<>();
        List<Grouping> pending = new ArrayList<>();
        int i = 0;
        while (i < tokens.size()) {
            Token t = tokens.get(i);
            if (t.type == Type.LBRACE) {
                throw error(t, "a selector without a metric name");
            }
            if (t.type != Type.IDENT) {
                i++;
                continue;
            }
            String word = t.text;
            if (UNSUPPORTED.contains(word)) {
                throw error(t, "'" + word + "' is not understood by this check");
            }
            if (GROUPING.contains(word)) {
                int open = expect(i + 1, Type.LPAREN);
                int close = matching(open);
                List<String> labels = new ArrayList<>();
                for (int k = open + 1; k < close; k++) {
                    Token l = tokens.get(k);
                    if (l.type == Type.IDENT) {
                        labels.add(l.text);
                    } else if (l.type != Type.COMMA) {
                        throw error(l, "a label name");
                    }
                }
                groupingRanges.add(argumentOf(i, close));
                pending.add(new Grouping(word, labels, new ArrayList<>()));
                i = close + 1;
                continue;
            }
            if (KEYWORDS.contains(word)) {
                i++;
                continue;
            }
            boolean call = i + 1 < tokens.size() && tokens.get(i + 1).type == Type.LPAREN;
            if (call || AGGREGATIONS.contains(word)) {
                i++;
                continue; // a function or an aggregation, not a metric
            }
            List<LabelMatcher> matchers = new ArrayList<>();
            int next = i + 1;
            if (next < tokens.size() && tokens.get(next).type == Type.LBRACE) {
                next = matchers(next, matchers);
            }
            selectors.add(new Selector(word, matchers));
            selectorAt.add(i);
            i = next;
        }
        for (int g = 0; g < pending.size(); g++) {
            int[] range = groupingRanges.get(g);
            for (int s = 0; s < selectors.size(); s++) {
                if (selectorAt.get(s) > range[0] && selectorAt.get(s) < range[1]) {
                    pending.get(g).selectors().add(selectors.get(s));
                }
            }
            if (pending.get(g).selectors().isEmpty()) {
                throw new IllegalArgumentException("'" + pending.get(g).clause() + "' aggregates no metric in: " + expr);
            }
        }
        return new Query(selectors, pending);
    }

    /**
     * The token range (exclusive bounds) an aggregation's {@code by/without} applies to: the parenthesised
     * argument after the clause ({@code sum by (x) (...)}) or before it ({@code sum(...) by (x)}).
     */
    private int[] argumentOf(int clause, int labelsClose) {
        if (clause > 0 && tokens.get(clause - 1).type == Type.IDENT && AGGREGATIONS.contains(tokens.get(clause - 1).text)) {
            int open = expect(labelsClose + 1, Type.LPAREN);
            return new int[] {open, matching(open)};
        }
        if (clause > 0 && tokens.get(clause - 1).type == Type.RPAREN) {
            int close = clause - 1;
            int open = opening(close);
            if (open > 0 && tokens.get(open - 1).type == Type.IDENT && AGGREGATIONS.contains(tokens.get(open - 1).text)) {
                return new int[] {open, close};
            }
        }
        throw error(tokens.get(clause), "'" + tokens.get(clause).text + "' after an aggregation");
    }

    /** Reads {@code {label op "value", ...}} from the brace at {@code open}; returns the index after it. */
    private int matchers(int open, List<LabelMatcher> into) {
        int k = open + 1;
        while (token(k).type != Type.RBRACE) {
            Token label = token(k);
            if (label.type != Type.IDENT) {
                throw error(label, "a label name");
            }
            Token op = tokens.get(expect(k + 1, Type.MATCH_OP));
            Token value = tokens.get(expect(k + 2, Type.STRING));
            if (label.text.equals("__name__")) {
                throw error(label, "a metric name outside the braces");
            }
            into.add(new LabelMatcher(label.text, op.text, value.text));
            k += 3;
            if (token(k).type == Type.COMMA) {
                k++;
            } else if (token(k).type != Type.RBRACE) {
                throw error(token(k), "',' or '}'");
            }
        }
        return k + 1;
    }

    private Token token(int index) {
        if (index >= tokens.size()) {
            throw new IllegalArgumentException("unexpected end of: " + expr);
        }
        return tokens.get(index);
    }

    private void checkBalanced() {
        int parens = 0;
        int braces = 0;
        for (Token t : tokens) {
            parens += t.type == Type.LPAREN ? 1 : t.type == Type.RPAREN ? -1 : 0;
            braces += t.type == Type.LBRACE ? 1 : t.type == Type.RBRACE ? -1 : 0;
            if (parens < 0 || braces < 0) {
                throw error(t, "no closing bracket here");
            }
        }
        if (parens != 0 || braces != 0) {
            throw new IllegalArgumentException("unbalanced brackets in: " + expr);
        }
    }

    private int expect(int index, Type type) {
        if (index >= tokens.size() || tokens.get(index).type != type) {
            throw new IllegalArgumentException("expected " + type + " at token " + index + " in: " + expr);
        }
        return index;
    }

    private int matching(int open) {
        int depth = 0;
        for (int k = open; k < tokens.size(); k++) {
            Type type = tokens.get(k).type;
            depth += type == Type.LPAREN ? 1 : type == Type.RPAREN ? -1 : 0;
            if (depth == 0) {
                return k;
            }
        }
        throw new IllegalArgumentException("unbalanced parentheses in: " + expr);
    }

    private int opening(int close) {
        int depth = 0;
        for (int k = close; k >= 0; k--) {
            Type type = tokens.get(k).type;
            depth += type == Type.RPAREN ? 1 : type == Type.LPAREN ? -1 : 0;
            if (depth == 0) {
                return k;
            }
        }
        throw new IllegalArgumentException("unbalanced parentheses in: " + expr);
    }

    private IllegalArgumentException error(Token t, String what) {
        return new IllegalArgumentException("expected " + what + " at " + t.at + " ('" + t.text + "') in: " + expr);
    }

    private static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int start = i;
            if (Character.isWhitespace(c)) {
                i++;
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == ':')) {
                    i++;
                }
                out.add(new Token(Type.IDENT, s.substring(start, i), start));
            } else if (Character.isDigit(c) || c == '.') {
                // numbers and durations (5m, 1h30m): digits, dots, exponents and unit letters
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                    i++;
                }
                out.add(new Token(Type.NUMBER, s.substring(start, i), start));
            } else if (c == '"' || c == '\'' || c == '`') {
                StringBuilder value = new StringBuilder();
                i++;
                while (i < s.length() && s.charAt(i) != c) {
                    if (s.charAt(i) == '\\' && c != '`' && i + 1 < s.length()) {
                        i++;
                    }
                    value.append(s.charAt(i++));
                }
                if (i >= s.length()) {
                    throw new IllegalArgumentException("unterminated string at " + start + " in: " + s);
                }
                i++;
                out.add(new Token(Type.STRING, value.toString(), start));
            } else if (c == '$') {
                i++;
                if (i < s.length() && s.charAt(i) == '{') {
                    i = s.indexOf('}', i) + 1;
                    if (i == 0) {
                        throw new IllegalArgumentException("unterminated ${ at " + start + " in: " + s);
                    }
                } else {
                    while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                        i++;
                    }
                }
                out.add(new Token(Type.VARIABLE, s.substring(start, i), start));
            } else if (c == '[') {
                int end = s.indexOf(']', i);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated range at " + start + " in: " + s);
                }
                i = end + 1;
                out.add(new Token(Type.RANGE, s.substring(start, i), start));
            } else if (s.startsWith("=~", i) || s.startsWith("!~", i) || s.startsWith("!=", i)) {
                i += 2;
                out.add(new Token(Type.MATCH_OP, s.substring(start, i), start));
            } else if (s.startsWith("==", i) || s.startsWith(">=", i) || s.startsWith("<=", i)) {
                i += 2;
                out.add(new Token(Type.OPERATOR, s.substring(start, i), start));
            } else if (c == '=') {
                i++;
                out.add(new Token(Type.MATCH_OP, "=", start));
            } else if ("+-*/%^<>".indexOf(c) >= 0) {
                i++;
                out.add(new Token(Type.OPERATOR, String.valueOf(c), start));
            } else {
                Type type = switch (c) {
                    case '(' -> Type.LPAREN;
                    case ')' -> Type.RPAREN;
                    case '{' -> Type.LBRACE;
                    case '}' -> Type.RBRACE;
                    case ',' -> Type.COMMA;
                    default -> throw new IllegalArgumentException("'" + c + "' at " + start
                            + " is not understood by this check in: " + s);
                };
                i++;
                out.add(new Token(type, String.valueOf(c), start));
            }
        }
        return out;
    }
}
