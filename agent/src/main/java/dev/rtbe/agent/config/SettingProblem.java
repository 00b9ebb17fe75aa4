package dev.rtbe.agent.config;

/** One bad setting: what was given, where, why it is wrong and what would be right. */
public final class SettingProblem {
    private final String name;
    private final String value;
    private final String source;
    private final String reason;
    private final String allowed;

    /** @param name the setting, or null when the problem is the syntax of a source itself */
    public SettingProblem(String name, String value, String source, String reason, String allowed) {
        this.name = name;
        this.value = value;
        this.source = source;
        this.reason = reason;
        this.allowed = allowed;
    }

    public String name() {
        return name;
    }

    public String value() {
        return value;
    }

    public String source() {
        return source;
    }

    public String reason() {
        return reason;
    }

    public String allowed() {
        return allowed;
    }

    /** {@code rtbe.slots.total = "zero" (system property): not an integer; allowed: an integer >= 1} */
    public String message() {
        String subject = name == null ? "" : name + " = ";
        return subject + "\"" + value + "\" (" + source + "): " + reason + "; allowed: " + allowed;
    }

    @Override
    public String toString() {
        return message();
    }
}
