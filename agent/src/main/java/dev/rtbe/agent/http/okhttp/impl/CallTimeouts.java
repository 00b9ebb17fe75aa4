package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.scheduler.QueueTimeoutException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;

/**
 * OkHttp's call timeout ({@code callTimeout}, {@code call.timeout()}) spans the whole call, so it
 * also bounds the wait for a slot; what the wait used up is taken off what the exchange gets.
 */
final class CallTimeouts {
    private CallTimeouts() {}

    /** The call's timeout in nanoseconds, 0 for none. */
    static long of(Call call) {
        try {
            return call.timeout().timeoutNanos();
        } catch (RuntimeException | LinkageError e) {
            return 0; // an OkHttp older than 3.12 has no call timeout
        }
    }

    static Duration asWaitLimit(long timeoutNanos) {
        return timeoutNanos > 0 ? Duration.ofNanos(timeoutNanos) : null;
    }

    /** Leaves the exchange only what the queue wait did not use. */
    static void deductWait(Call call, long timeoutNanos, long waitedNanos) {
        if (timeoutNanos > 0 && waitedNanos > 0) {
            call.timeout().timeout(Math.max(1, timeoutNanos - waitedNanos), TimeUnit.NANOSECONDS);
        }
    }

    /** A failure to get a slot, as OkHttp reports its own: its call timeout is "timeout". */
    static IOException asIoFailure(Throwable error) {
        if (error instanceof QueueTimeoutException && ((QueueTimeoutException) error).isCallTimeout()) {
            InterruptedIOException timeout = new InterruptedIOException("timeout: " + error.getMessage());
            timeout.initCause(error);
            return timeout;
        }
        if (error instanceof IOException) {
            return (IOException) error;
        }
        return new IOException("rtbe: could not get a slot: " + error, error);
    }
}
