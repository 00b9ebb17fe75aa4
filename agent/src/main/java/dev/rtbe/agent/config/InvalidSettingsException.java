package dev.rtbe.agent.config;

import java.util.Collections;
import java.util.List;

/** Every bad setting found in one load, so a user fixes them all in one round. */
public final class InvalidSettingsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<SettingProblem> problems;
    private final transient List<String> warnings;
    private final boolean strict;

    InvalidSettingsException(List<SettingProblem> problems, List<String> warnings, boolean strict) {
        super(describe(problems), null, false, false);
        this.problems = Collections.unmodifiableList(problems);
        this.warnings = Collections.unmodifiableList(warnings);
        this.strict = strict;
    }

    private static String describe(List<SettingProblem> problems) {
        StringBuilder sb = new StringBuilder();
        sb.append(problems.size()).append(problems.size() == 1 ? " invalid rtbe setting:" : " invalid rtbe settings:");
        for (SettingProblem p : problems) {
            sb.append("\n  ").append(p.message());
        }
        return sb.toString();
    }

    public List<SettingProblem> problems() {
        return problems;
    }

    /** Warnings found along the way (unknown keys, ...), to print with the problems. */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * Whether rtbe.strict asked to refuse start-up. False when rtbe.strict itself is bad: an
     * unreadable switch must not stop someone else's application.
     */
    public boolean strict() {
        return strict;
    }
}
