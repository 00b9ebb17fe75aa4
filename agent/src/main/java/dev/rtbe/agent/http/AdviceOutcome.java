package dev.rtbe.agent.http;

/**
 * What a gated call produced in place of the intercepted method, handed from the enter hook
 * (which skipped the original) to the woven method's end: the value to return or the throwable to throw.
 */
public final class AdviceOutcome {
    public final Object value;
    public final Throwable error;

    private AdviceOutcome(Object value, Throwable error) {
        this.value = value;
        this.error = error;
    }

    public static AdviceOutcome of(Object value) {
        return new AdviceOutcome(value, null);
    }

    public static AdviceOutcome failed(Throwable error) {
        return new AdviceOutcome(null, error);
    }

    /**
     * What a woven method returns for a value from the agent ({@link HookWeaver}): an outcome's
     * value, or its error thrown (checked or not, as the original method could); anything else as is.
     */
    public static Object unwrap(Object value) {
        if (!(value instanceof AdviceOutcome)) {
            return value;
        }
        AdviceOutcome outcome = (AdviceOutcome) value;
        if (outcome.error != null) {
            throw AdviceOutcome.<RuntimeException>sneaky(outcome.error);
        }
        return outcome.value;
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable t) throws T {
        throw (T) t;
    }
}
