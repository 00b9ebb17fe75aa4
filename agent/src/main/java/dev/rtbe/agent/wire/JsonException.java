package dev.rtbe.agent.wire;

/** Malformed JSON. Stack traces are disabled: bad input is expected traffic, not a bug. */
final class JsonException extends Exception {
    private static final long serialVersionUID = 1L;

    JsonException(String message) {
        super(message, null, false, false);
    }
}
