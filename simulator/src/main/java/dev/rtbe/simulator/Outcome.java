package dev.rtbe.simulator;

/** How a recorded request ended. */
public enum Outcome {
    /** Still waiting for the model or a slot, or generating. */
    IN_PROGRESS,
    /** The full response was written. */
    COMPLETED,
    /** The client went away (while queued, generating, or before a kept-computing result could be sent). */
    DISCONNECTED,
    /** Answered with a 4xx/5xx error other than queue-full. */
    ERROR,
    /** Refused with 503 because the queue was full. */
    REJECTED
}
