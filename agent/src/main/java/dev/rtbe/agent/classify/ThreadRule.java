package dev.rtbe.agent.classify;

import java.util.List;
import java.util.regex.Pattern;

/** Thread-name globs: {@code *} any run of characters, {@code ?} one character. */
final class ThreadRule {
    private final Pattern[] globs;

    ThreadRule(List<String> patterns) {
        globs = new Pattern[patterns.size()];
        for (int i = 0; i < globs.length; i++) {
            globs[i] = toRegex(patterns.get(i));
        }
    }

    boolean isEmpty() {
        return globs.length == 0;
    }

    boolean matches(String threadName) {
        for (Pattern glob : globs) {
            if (glob.matcher(threadName).matches()) {
                return true;
            }
        }
        return false;
    }

    private static Pattern toRegex(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*') {
                regex.append(".*");
            } else if (c == '?') {
                regex.append('.');
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }
}
