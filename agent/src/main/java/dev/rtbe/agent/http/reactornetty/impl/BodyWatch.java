package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.GatedCall;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.ByteBuffer;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientResponse;

/** Shows the call what the application receives: the response head, then each body chunk, unchanged. */
final class BodyWatch {
    static final String NAME = "rtbe.body-watch";

    private BodyWatch() {}

    /**
     * For a body the application reads off the connection itself ({@code responseConnection}, as
     * Spring's connectors do): watches each body chunk as it arrives, from now on.
     */
    static void watchInbound(Connection connection, GatedCall call) {
        if (call != null) {
            connection.addHandlerLast(NAME, new Inbound(call));
        }
    }

    private static final class Inbound extends ChannelInboundHandlerAdapter {
        private final GatedCall call;

        Inbound(GatedCall call) {
            this.call = call;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpContent) {
                onBytes(call, ((HttpContent) msg).content());
            }
            ctx.fireChannelRead(msg);
        }
    }

    static void onResponse(GatedCall call, HttpClientResponse response) {
        if (call == null || call.isFinished()) {
            return; // a streamed answer, assembled by the agent, was watched as it streamed
        }
        call.onResponse(response.status().code(), response.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE),
                response.responseHeaders().get(HttpHeaderNames.CONTENT_ENCODING));
    }

    /** Reads through views of the buffer, so its reader index and reference count stay as they are. */
    static void onBytes(GatedCall call, ByteBuf bytes) {
        if (call == null || call.isFinished()) {
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
