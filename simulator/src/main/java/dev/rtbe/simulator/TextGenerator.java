package dev.rtbe.simulator;

/**
 * Deterministic output: token i of a prompt is a word from a fixed list chosen by i and a hash of the prompt, so
 * the same request always yields the same text and different prompts yield different texts.
 */
final class TextGenerator {
    private static final String[] WORDS = {
        "the", "model", "answers", "with", "a", "calm", "and", "steady", "stream", "of", "simulated", "tokens",
        "while", "batch", "jobs", "wait", "their", "turn", "in", "queue", "latency", "matters", "for", "every",
        "interactive", "user", "so", "slots", "are", "shared", "fairly", "between", "real", "time", "work", "best",
        "effort", "requests", "llama", "runs", "on", "local", "hardware", "quietly", "today", "here", "is", "more",
        "text", "to", "read", "later", "when", "done", "thanks", "ok", "yes", "maybe", "perhaps", "indeed", "now",
        "then", "again", "finally"
    };

    private TextGenerator() {}

    static int seed(String prompt) {
        // FNV-1a over the chars: spreads similar prompts better than String.hashCode for a small word list.
        int h = 0x811c9dc5;
        for (int i = 0; i < prompt.length(); i++) {
            h ^= prompt.charAt(i);
            h *= 0x01000193;
        }
        return h;
    }

    /** The delta text of token {@code index}: a word, preceded by a space except for the first token. */
    static String token(int seed, int index) {
        int k = Math.floorMod(seed + index * 31 + (index * index) * 7, WORDS.length);
        return index == 0 ? capitalize(WORDS[k]) : " " + WORDS[k];
    }

    /**
     * How many whole tokens of the answer for {@code seed} the text {@code partial} holds, or -1 when it is not a
     * token-aligned prefix of that answer (then it cannot be the partial output of an earlier call).
     */
    static int prefixTokens(int seed, String partial) {
        int at = 0;
        int count = 0;
        while (at < partial.length()) {
            String t = token(seed, count);
            if (!partial.startsWith(t, at)) return -1;
            at += t.length();
            count++;
        }
        return count;
    }

    /** The whole text of {@code count} tokens. */
    static String text(int seed, int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) sb.append(token(seed, i));
        return sb.toString();
    }

    private static String capitalize(String w) {
        return Character.toUpperCase(w.charAt(0)) + w.substring(1);
    }
}
