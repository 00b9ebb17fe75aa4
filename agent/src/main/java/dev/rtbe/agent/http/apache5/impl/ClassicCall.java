package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.http.apache5.Apache5Bridge;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.Header;

/**
 * One classic {@code doExecute} that holds a slot: opened on entry (classify, wait, strip the
 * header, enter the reentry guard), closed on exit (guard left, header put back on the
 * application's request object, response gated or slot released).
 */
final class ClassicCall implements Apache5Bridge.ClassicGate {
    private final GatedCall call;
    private final ClassicHttpRequest request;
    private final Header[] stripped;

    private ClassicCall(GatedCall call, ClassicHttpRequest request, Header[] stripped) {
        this.call = call;
        this.request = request;
        this.stripped = stripped;
    }

    /** Null: not ours, run the original. A Throwable: throw it instead. Otherwise the open call. */
    static Object open(AgentRuntime runtime, Object target, ClassicHttpRequest request) {
        Apache5RequestView view = new Apache5RequestView(target, request);
        GatedCall call = Gate.begin(view);
        if (call == null) {
            return null; // not ours, or fail open: the call goes out ungated
        }
        Exception rejected = SlotWait.await(call, request, view);
        if (rejected != null) {
            return rejected;
        }
        Header[] stripped;
        try {
            stripped = Apache5Requests.strip(runtime, request);
        } catch (RuntimeException agentFault) {
            call.finish(Outcome.FAILED, agentFault);
            return null;
        }
        ReentryGuard.enter(); // the client's own layers below this frame are part of this call
        call.onSent(); // the original doExecute runs next
        return new ClassicCall(call, request, stripped);
    }

    @Override
    public Object after(Object response, Throwable thrown) {
        try {
            for (Header h : stripped) {
                request.addHeader(h); // the application may send its request object again
            }
            if (thrown != null || !(response instanceof CloseableHttpResponse)) {
                call.finish(Outcome.FAILED, thrown);
                return response;
            }
            return ClassicResponses.gate((CloseableHttpResponse) response, call);
        } catch (RuntimeException | LinkageError agentFault) {
            call.finish(Outcome.FAILED, agentFault);
            return response;
        } finally {
            ReentryGuard.exit();
        }
    }
}
