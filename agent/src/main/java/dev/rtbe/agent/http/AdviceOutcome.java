package dev.rtbe.agent.http;

/**
 * What a gated call produced in place of the intercepted method, handed from the enter advice
 * (which skipped the original) to the exit advice: the value to return or the throwable to throw.
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
}
