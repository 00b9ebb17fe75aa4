package dev.rtbe.agent;

/** Thrown from premain when {@code rtbe.strict=true} and the agent cannot start as configured. */
public final class StrictModeFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StrictModeFailure(String message) {
        super(message);
    }
}
