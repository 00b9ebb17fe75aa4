package dev.rtbe.agent.classify;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Class or package patterns with an optional {@code #method}, matched against the frames of the
 * calling thread. {@code com.acme.chat.*} matches every class in that package and below;
 * {@code *} inside a segment matches within the segment; {@code com.acme.Batch} matches the class
 * and its nested classes; {@code com.acme.Batch#run} only that method.
 */
final class StackRule {
    private final Pattern[] classes;
    private final String[] methods; // null entry = any method

    StackRule(List<String> patterns) {
        classes = new Pattern[patterns.size()];
        methods = new String[patterns.size()];
        for (int i = 0; i < patterns.size(); i++) {
            String p = patterns.get(i);
            int hash = p.indexOf('#');
            classes[i] = toRegex(hash < 0 ? p : p.substring(0, hash));
            methods[i] = hash < 0 ? null : p.substring(hash + 1);
        }
    }

    boolean isEmpty() {
        return classes.length == 0;
    }

    boolean matches(String className, String methodName) {
        for (int i = 0; i < classes.length; i++) {
            if ((methods[i] == null || methods[i].equals(methodName)) && classes[i].matcher(className).matches()) {
                return true;
            }
        }
        return false;
    }

    private static Pattern toRegex(String pattern) {
        StringBuilder regex = new StringBuilder();
        String body = pattern;
        boolean packageWildcard = pattern.endsWith(".*");
        if (packageWildcard) {
            body = pattern.substring(0, pattern.length() - 2);
        }
        for (char c : body.toCharArray()) {
            if (c == '*') {
                regex.append("[^.]*");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        regex.append(packageWildcard ? "\\..+" : "(\\$.*)?");
        return Pattern.compile(regex.toString());
    }
}
