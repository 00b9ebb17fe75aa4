package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.http.AdviceOutcome;
import dev.rtbe.agent.http.apache5.Apache5Bridge;
import java.io.IOException;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * One classic {@code doExecute} that holds a slot: opened on entry (classify, wait, strip the
 * header, enter the reentry guard), closed on exit (guard left, header put back on the
 * application's request object, response gated or slot released). A batch call that may be
 * preempted is sent here instead, by {@link PreemptibleClassic}.
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

    /**
     * Null: not ours, run the original. An {@link AdviceOutcome}: return or throw it instead (refused,
     * or a preemptible call the agent sent itself). Otherwise the open call.
     */
    static Object open(AgentRuntime runtime, Object client, Object target, ClassicHttpRequest request, Object context) {
        Apache5RequestView view = new Apache5RequestView(target, request);
        GatedCall call = Gate.begin(view);
        if (call == null) {
            return null; // not ours, or fail open: the call goes out ungated
        }
        Exception rejected = SlotWait.await(call, request, view);
        if (rejected != null) {
            return AdviceOutcome.failed(rejected);
        }
        Header[] stripped;
        try {
            stripped = Apache5Requests.strip(runtime, request);
        } catch (RuntimeException agentFault) {
            call.finish(Outcome.FAILED, agentFault);
            return null;
        }
        if (call.preemptionEnabled() && client instanceof CloseableHttpClient
                && (context == null || context instanceof HttpContext)) {
            return sendPreemptible(runtime, (CloseableHttpClient) client, target, request, (HttpContext) context, call,
                    view, stripped);
        }
        ReentryGuard.enter(); // the client's own layers below this frame are part of this call
        call.onSent(); // the original doExecute runs next
        return new ClassicCall(call, request, stripped);
    }

    private static AdviceOutcome sendPreemptible(AgentRuntime runtime, CloseableHttpClient client, Object target,
                                                 ClassicHttpRequest request, HttpContext context, GatedCall call,
                                                 Apache5RequestView view, Header[] stripped) {
        try {
            return PreemptibleClassic.execute(runtime, client, (HttpHost) target, request, context, call, view);
        } catch (RuntimeException | LinkageError agentFault) {
            IOException e = new IOException("rtbe: the call could not be sent", agentFault);
            call.finish(Outcome.FAILED, e);
            return AdviceOutcome.failed(e);
        } finally {
            for (Header h : stripped) {
                request.addHeader(h); // the application may send its request object again
            }
        }
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
