package dev.rtbe.agent.config;

/**
 * Thrown by a {@link SettingType} when a raw string is not acceptable. Checked on purpose: every
 * parse site must turn it into a {@link SettingProblem} instead of letting it escape the loader.
 */
public final class BadValueException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String allowed;

    public BadValueException(String reason) {
        this(reason, null);
    }

    /** @param allowed overrides the type's own "allowed" text, e.g. for a seed variable's stricter format */
    public BadValueException(String reason, String allowed) {
        super(reason, null, false, false);
        this.allowed = allowed;
    }

    public String reason() {
        return getMessage();
    }

    /** The allowed-values text to show instead of the type's, or null to use the type's. */
    public String allowedOverride() {
        return allowed;
    }
}
