package dev.rtbe.agent.http.reactornetty.impl;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import reactor.netty.Connection;

/**
 * Removes the classification header from the request head as it is written, whoever set it:
 * {@code HttpClient.headers}, the send callback, or a layer above (Spring's WebClient sets its
 * headers there). Added per request; Reactor Netty removes it when the exchange ends.
 */
@ChannelHandler.Sharable
final class HeaderStrip extends ChannelOutboundHandlerAdapter {
    static final String NAME = "rtbe.header-strip";

    private final String headerName;

    private HeaderStrip(String headerName) {
        this.headerName = headerName;
    }

    static void install(Connection connection, String headerName) {
        if (connection.channel().pipeline().get(NAME) == null) {
            connection.addHandlerFirst(NAME, new HeaderStrip(headerName));
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpRequest) {
            ((HttpRequest) msg).headers().remove(headerName);
        }
        super.write(ctx, msg, promise);
    }
}
