package dev.rtbe.agent.http.jdk;

/** What the gated {@code send} produced, handed from the enter advice to the exit advice. */
public final class SendOutcome {
    public final Object response;
    public final Throwable error;

    private SendOutcome(Object response, Throwable error) {
        this.response = response;
        this.error = error;
    }

    public static SendOutcome of(Object response) {
        return new SendOutcome(response, null);
    }

    public static SendOutcome failed(Throwable error) {
        return new SendOutcome(null, error);
    }
}
