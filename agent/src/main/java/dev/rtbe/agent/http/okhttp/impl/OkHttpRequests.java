package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.wire.LlmRequest;
import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.Buffer;

/** What the agent reads from an OkHttp request: is it ours, how is it classified, the header strip. */
final class OkHttpRequests {
    private OkHttpRequests() {}

    /** The runtime when this request goes to a configured endpoint, else null. */
    static AgentRuntime applicableRuntime(Request request) {
        AgentRuntime runtime = AgentRuntime.current();
        if (runtime == null || request == null || !targetsEndpoint(runtime, request.url())) {
            return null;
        }
        return runtime;
    }

    private static boolean targetsEndpoint(AgentRuntime runtime, HttpUrl url) {
        return runtime.endpoints().matches(url.scheme(), url.host(), url.port(), url.encodedPath());
    }

    /** Classifies the call on the calling thread, from its header, body and stack. */
    static GatedCall begin(AgentRuntime runtime, Request request) {
        String headerValue = request.header(runtime.classifier().headerName());
        byte[] body = peekBody(request.body(), runtime.inspector().maxBodyBytes());
        LlmRequest llm = runtime.inspector().inspect(request.url().encodedPath(), body);
        return GatedCall.begin(runtime, request.url().uri(), llm, headerValue);
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

    private static boolean isInMemory(RequestBody body) {
        String name = body.getClass().getName();
        return name.equals("okhttp3.RequestBody$1") || name.equals("okhttp3.RequestBody$2") // 3.x: ByteString, byte[]
                || name.startsWith("okhttp3.RequestBody$Companion$toRequestBody$") // 4.x
                || (name.startsWith("okhttp3.internal.") && name.contains("ToRequestBody")); // 5.x
    }

    /**
     * The request without the classification header when it goes to an endpoint and stripping is
     * on; null to send it unchanged. Called as the request enters the interceptor chain.
     */
    static Request withoutClassificationHeader(Request request) {
        AgentRuntime runtime = AgentRuntime.current();
        if (runtime == null || !runtime.settings().classifyHeaderStrip()) {
            return null;
        }
        String name = runtime.classifier().headerName();
        if (request.header(name) == null || !targetsEndpoint(runtime, request.url())) {
            return null;
        }
        return request.newBuilder().removeHeader(name).build();
    }
}
