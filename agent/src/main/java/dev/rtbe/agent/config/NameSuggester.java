package dev.rtbe.agent.config;

import java.util.Collection;
import java.util.Optional;

/** Finds the known name nearest to a mistyped one, by edit distance. */
final class NameSuggester {
    private NameSuggester() {}

    /**
     * @param prefix stripped from both sides before comparing, so a key written without "rtbe." still
     *               finds its setting
     */
    static Optional<String> nearest(String unknown, Collection<String> known, String prefix) {
        String u = strip(unknown, prefix);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(u, strip(candidate, prefix));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        // Beyond a third of the name a "suggestion" is noise.
        return bestDistance <= Math.max(2, u.length() / 3) ? Optional.ofNullable(best) : Optional.empty();
    }

    private static String strip(String s, String prefix) {
        return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
