package dev.rtbe.agent.http.okhttp.impl;

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

    /** Leaves the exchange only what the queue wait did not use. */
    static void deductWait(Call call, long timeoutNanos, long waitedNanos) {
        if (timeoutNanos > 0 && waitedNanos > 0) {
            call.timeout().timeout(Math.max(1, timeoutNanos - waitedNanos), TimeUnit.NANOSECONDS);
        }
    }
}
