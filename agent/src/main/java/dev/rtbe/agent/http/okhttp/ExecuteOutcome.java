package dev.rtbe.agent.http.okhttp;

/** What the gated {@code execute} produced, handed from the enter advice to the exit advice. */
public final class ExecuteOutcome {
    public final Object response;
    public final Throwable error;

    private ExecuteOutcome(Object response, Throwable error) {
        this.response = response;
        this.error = error;
    }

    public static ExecuteOutcome of(Object response) {
        return new ExecuteOutcome(response, null);
    }

    public static ExecuteOutcome failed(Throwable error) {
        return new ExecuteOutcome(null, error);
    }
}
