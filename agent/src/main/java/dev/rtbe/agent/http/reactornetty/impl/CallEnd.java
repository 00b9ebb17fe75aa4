package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import reactor.netty.Connection;

/**
 * Decides when one subscription's call is over. Usually that is the end of the publisher the
 * application got; but a {@code responseConnection} publisher hands the live connection over and
 * may end (Spring's WebClient takes its first item and cancels) long before the body is read:
 * from that hand-over on, the connection's own termination ends the call.
 */
final class CallEnd {
    final GatedCall call;
    private volatile boolean bodyHandedOver;

    CallEnd(GatedCall call) {
        this.call = call;
    }

    /** The body now lives on {@code connection}: end the call when the exchange on it terminates. */
    void handOver(Connection connection) {
        bodyHandedOver = true;
        connection.onTerminate().subscribe(null, e -> call.finish(Outcome.FAILED, e),
                () -> call.finish(Outcome.COMPLETED, null));
    }

    void completed() {
        if (!bodyHandedOver) {
            call.finish(Outcome.COMPLETED, null);
        }
    }

    void failed(Throwable error) {
        call.finish(Outcome.FAILED, error);
    }

    void cancelled() {
        if (!bodyHandedOver) {
            call.finish(Outcome.CANCELLED, null);
        }
    }
}
