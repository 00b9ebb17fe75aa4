package dev.rtbe.agent.config;

/**
 * Syntax check for stack patterns, so a typo is reported at start-up instead of silently never
 * matching: dot-separated segments of Java identifier characters or {@code *}, optional {@code #method}.
 */
final class StackPatterns {
    private StackPatterns() {}

    static String check(String pattern) throws BadValueException {
        int hash = pattern.indexOf('#');
        String type = hash < 0 ? pattern : pattern.substring(0, hash);
        for (String segment : type.split("\\.", -1)) {
            if (!isNamePart(segment)) {
                throw new BadValueException("\"" + pattern + "\" is not a class or package pattern");
            }
        }
        if (hash >= 0 && !isNamePart(pattern.substring(hash + 1))) {
            throw new BadValueException("\"" + pattern + "\" has no valid method name after #");
        }
        return pattern;
    }

    private static boolean isNamePart(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean identifier = Character.isJavaIdentifierPart(c) && !Character.isIdentifierIgnorable(c);
            if (!identifier && c != '*') {
                return false;
            }
        }
        return true;
    }
}
