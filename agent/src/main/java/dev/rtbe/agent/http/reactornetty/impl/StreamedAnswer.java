package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.resume.ChatStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The stream of an attempt that went to the server as a stream under the hood, read on its
 * connection and never shown to the application: its bytes go to the call's watcher (time to first
 * token, statistics) and to the attempt's {@link ChatStream} (tokens so far, for the choice of a
 * victim), so the attempt stays preemptible to its last byte. At its end the application's
 * exchange gets the one non-streaming response the server would have sent (the stream's status
 * line and headers, the body's own type and length, the assembled body), as if it came off the
 * wire; or the error body Ollama sends a non-streaming call that fails mid-way; or an I/O failure.
 * Confined to the connection's event loop.
 */
final class StreamedAnswer {
    private final Attempt attempt;
    private final ChatStream stream;
    private final HttpResponse head;

    StreamedAnswer(Attempt attempt, HttpResponse head) {
        this.attempt = attempt;
        this.stream = attempt.stream();
        this.head = head;
        attempt.end().call().onResponse(head.status().code(), head.headers().get(HttpHeaderNames.CONTENT_TYPE), null);
    }

    /** A stream the agent can read: 200, not compressed, NDJSON or server-sent events. */
    static boolean isStream(HttpResponse response) {
        return ChatStream.isReadableStream(response.status().code(), response.headers().get(HttpHeaderNames.CONTENT_TYPE),
                response.headers().get(HttpHeaderNames.CONTENT_ENCODING));
    }

    /** Takes one message of the stream (and releases it); true at its end, once the answer went up. */
    boolean onMessage(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpContent) { // even once aborted: what came before the cut is kept
                read(((HttpContent) msg).content());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
        if (!(msg instanceof LastHttpContent)) {
            return false;
        }
        end(ctx);
        return true;
    }

    private void read(ByteBuf content) {
        GatedCall call = attempt.end().call();
        ByteBuffer[] views = content.nioBufferCount() < 0 ? new ByteBuffer[] {ByteBuffer.wrap(ByteBufUtil.getBytes(content))}
                : content.nioBuffers();
        for (ByteBuffer view : views) {
            stream.onBytes(view);
            call.onBytes(view.duplicate());
        }
        call.reportProgress(stream.tokens());
    }

    private void end(ChannelHandlerContext ctx) {
        stream.onEnd();
        GatedCall call = attempt.end().call();
        if (stream.finished()) {
            attempt.responseArrived(); // ends the offer; a preemption at the very end finds the answer whole
            attempt.delivered();
            byte[] body;
            try {
                body = attempt.end().kept().resumption().assemble();
            } catch (RuntimeException agentFault) {
                fail(ctx, new IOException("rtbe: the streamed answer could not be assembled", agentFault));
                return;
            }
            call.finish(Outcome.COMPLETED, null); // the server is done: the slot goes back before the application reads
            deliver(ctx, HttpResponseStatus.OK, body);
        } else if (!attempt.responseArrived()) {
            return; // preempted as it ended: its connection is being closed, the next attempt continues
        } else if (stream.errorBody() != null) { // what Ollama answers a non-streaming call that fails mid-way
            call.finish(Outcome.COMPLETED, null);
            deliver(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, stream.errorBody());
        } else {
            fail(ctx, new IOException("the server ended the stream before its final chunk"));
        }
    }

    private void deliver(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] body) {
        HttpHeaders headers = head.headers().copy();
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        headers.set(HttpHeaderNames.CONTENT_TYPE, ChatStream.JSON_CONTENT_TYPE);
        headers.set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        ctx.fireChannelRead(new DefaultHttpResponse(head.protocolVersion(), status, headers));
        ctx.fireChannelRead(new DefaultLastHttpContent(Unpooled.wrappedBuffer(body)));
    }

    /** The exchange fails as on an I/O error; the connection, whose stream is over, goes. */
    private static void fail(ChannelHandlerContext ctx, IOException e) {
        ctx.fireExceptionCaught(e);
        ctx.close();
    }
}
