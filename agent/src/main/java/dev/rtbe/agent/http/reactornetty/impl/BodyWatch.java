package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.GatedCall;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.ByteBuffer;
import reactor.netty.http.client.HttpClientResponse;

/** Shows the call what the application receives: the response head, then each body chunk, unchanged. */
final class BodyWatch {
    private BodyWatch() {}

    static void onResponse(GatedCall call, HttpClientResponse response) {
        if (call == null) {
            return; // never: a response comes only after the request went out, decided
        }
        call.onResponse(response.status().code(), response.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE),
                response.responseHeaders().get(HttpHeaderNames.CONTENT_ENCODING));
    }

    /** Reads through views of the buffer, so its reader index and reference count stay as they are. */
    static void onBytes(GatedCall call, ByteBuf bytes) {
        if (call == null) {
            return;
        }
        try {
            if (bytes.nioBufferCount() < 0) {
                byte[] copy = ByteBufUtil.getBytes(bytes);
                call.onBytes(copy, 0, copy.length);
                return;
            }
            for (ByteBuffer view : bytes.nioBuffers()) {
                call.onBytes(view);
            }
        } catch (RuntimeException watchingFailed) {
            // watching is best-effort: never disturb the application's stream
        }
    }
}
