package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import okhttp3.Call;
import okhttp3.Response;
import okhttp3.ResponseBody;

/** Hands the application the response with a body that ends the gated call at its end. */
final class GatedResponses {
    private GatedResponses() {}

    /** @param call the OkHttp call: cancelled when the application closes the body before its end */
    static Response gate(Response response, GatedCall gated, Call call) {
        try {
            return wrap(response, gated, call);
        } catch (RuntimeException | LinkageError agentFault) {
            gated.finish(Outcome.FAILED, agentFault); // fail open: the application gets the response as it was
            return response;
        }
    }

    private static Response wrap(Response response, GatedCall gated, Call call) {
        gated.onResponse(response.code(), response.header("Content-Type"), response.header("Content-Encoding"));
        ResponseBody body = response.body();
        if (body == null) {
            gated.finish(Outcome.COMPLETED, null);
            return response;
        }
        GatedResponseBody gatedBody = new GatedResponseBody(body, gated, call::cancel);
        if (body.contentLength() == 0) {
            gated.finish(Outcome.COMPLETED, null); // nothing to read: a 204, a HEAD
        } else {
            gated.reclaimWhenUnreachable(gatedBody);
        }
        return response.newBuilder().body(gatedBody).build();
    }
}
