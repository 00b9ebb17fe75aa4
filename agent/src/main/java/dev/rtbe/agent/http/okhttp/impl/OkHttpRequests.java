package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.AgentRuntime;
import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.Buffer;

/** What the agent reads from an OkHttp request: its in-memory body, the header strip. */
final class OkHttpRequests {
    private OkHttpRequests() {}

    private static boolean targetsEndpoint(AgentRuntime runtime, HttpUrl url) {
        return runtime.endpoints().matches(url.scheme(), url.host(), url.port(), url.encodedPath());
    }

    /**
     * The body's bytes, only for OkHttp's own in-memory bodies ({@code RequestBody.create} from a
     * string, bytes or a ByteString): writing them again is what OkHttp itself does on a retry.
     * Any other body (a stream, a file, a one-shot or duplex body, the application's own class)
     * stays unread (null).
     */
    static byte[] peekBody(RequestBody body, int maxBytes) {
        if (body == null || !isInMemory(body)) {
            return null;
        }
        try {
            long length = body.contentLength();
            if (length < 0 || length > maxBytes) {
                return null;
            }
            Buffer buffer = new Buffer();
            body.writeTo(buffer);
            return buffer.readByteArray();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static boolean isInMemory(RequestBody body) {
        String name = body.getClass().getName();
        return name.equals("okhttp3.RequestBody$1") || name.equals("okhttp3.RequestBody$2") // 3.x: ByteString, byte[]
                || name.startsWith("okhttp3.RequestBody$Companion$toRequestBody$") // 4.x
                || (name.startsWith("okhttp3.internal.") && name.contains("ToRequestBody")); // 5.x
    }

    /**
     * The request as the server should see it, as it enters the interceptor chain: without the
     * classification header (when it goes to an endpoint and stripping is on), and with the copy
     * of a body read before the call was decided, or an attempt's own body (a preemptible call's).
     * Null to send it unchanged.
     */
    static Request asSent(Object call, Request request) {
        RequestBody collected = CollectedBodies.take(request);
        RequestBody attempt = AttemptBodies.take(call);
        RequestBody copy = attempt != null ? attempt : collected;
        AgentRuntime runtime = AgentRuntime.current();
        if (runtime == null) {
            return null;
        }
        String name = runtime.classifier().headerName();
        boolean strip = runtime.settings().classifyHeaderStrip() && request.header(name) != null
                && targetsEndpoint(runtime, request.url());
        if (copy == null && !strip) {
            return null;
        }
        Request.Builder sent = request.newBuilder();
        if (strip) {
            sent.removeHeader(name);
        }
        if (copy != null) {
            sent.method(request.method(), copy);
        }
        return sent.build();
    }
}
