package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.scheduler.Permit;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import reactor.netty.Connection;

/**
 * Holds a gated request on its connection until its call has a slot. Reactor Netty writes the
 * request head and body here however the application sent them ({@code send(publisher)}, a send
 * callback, Spring's connectors, which write the body and their headers only inside the
 * exchange); the handler keeps each message as it is (no copy, its reference count untouched),
 * copies the body's bytes for the classifier up to {@code rtbe.request.max-body-bytes}, and at
 * the body's end (or past the limit, or at a body it cannot read) starts the call and asks for
 * the slot without blocking. Once granted, on the connection's event loop, the same messages go
 * out in order and later ones pass straight through. Each write is accepted at once, so Reactor
 * Netty goes on writing the body up to its end (it writes the end only when the writes before it
 * succeeded). Whatever is still held when the exchange ends without a slot, or the connection
 * closes, is released. On the way back it guards a preemptible attempt ({@link Attempt}): its
 * response goes up only if the attempt was not preempted first, and a stream the agent asked for
 * instead of a non-streaming answer is read here ({@link StreamedAnswer}). Confined to the event
 * loop, so it needs no locks.
 */
final class HoldUntilGranted extends ChannelDuplexHandler {
    static final String NAME = "rtbe.hold-until-granted";
    private static final String CLIENT = "reactor-netty";

    private final Attempt attempt;
    private final CallEnd end;
    private final int maxBodyBytes;
    private final String headerName;
    /** The classification header as the request head was written, before it is stripped. */
    private String header;
    /** The request head as written. */
    private HttpRequest head;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private BodyCopy body;
    /** The call was decided: waiting for its slot, nothing more to read. */
    private boolean decided;
    /** Granted: writes go straight on. */
    private boolean passing;
    /** Given up (no slot, or the connection went): held messages were released, later ones are dropped. */
    private boolean released;
    /** The attempt's streamed answer, being read here; null: none (or done). */
    private StreamedAnswer answer;
    /** The response reached the application (or was answered here): later reads pass. */
    private boolean answered;
    /** The attempt was preempted as its response arrived: what arrives is dropped. */
    private boolean dropping;

    HoldUntilGranted(Attempt attempt, int maxBodyBytes, String headerName) {
        this.attempt = attempt;
        this.end = attempt.end();
        this.maxBodyBytes = maxBodyBytes;
        this.headerName = headerName;
    }

    /**
     * Before the request is written; replaces a handler an earlier exchange left on a pooled
     * connection. Last of the application's handlers, so it sees the request first, as written
     * (with the classification header, which {@link HeaderStrip} removes after it).
     */
    static void install(Connection connection, Attempt attempt, int maxBodyBytes, String headerName) {
        ChannelPipeline pipeline = connection.channel().pipeline();
        if (pipeline.get(NAME) != null) {
            pipeline.remove(NAME);
        }
        connection.addHandlerLast(NAME, new HoldUntilGranted(attempt, maxBodyBytes, headerName));
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (passing) {
            ctx.write(msg, promise);
            return;
        }
        if (released) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        held.add(msg);
        promise.trySuccess(); // accepted: Reactor Netty writes on to the body's end
        if (!decided) {
            read(ctx, msg);
        }
    }

    /** Looks at one message of the request; decides the call at the body's end or where reading stops. */
    private void read(ChannelHandlerContext ctx, Object msg) {
        CompletableFuture<Permit> asked = end.permit();
        if (asked != null) { // a redirect or a retry of a call already decided
            await(ctx, asked);
            return;
        }
        if (body == null) {
            body = new BodyCopy(maxBodyBytes);
        }
        if (msg instanceof HttpRequest) {
            head = (HttpRequest) msg;
            header = head.headers().get(headerName);
        }
        boolean readable;
        if (msg instanceof ByteBufHolder) {
            readable = body.add(((ByteBufHolder) msg).content());
        } else if (msg instanceof ByteBuf) {
            readable = body.add((ByteBuf) msg);
        } else {
            readable = msg instanceof HttpRequest; // a file region or chunked input is not read
        }
        if (body.overLimit()) {
            Gate.bodyOverLimit(CLIENT, body.seen());
        }
        if (!readable || msg instanceof LastHttpContent) {
            byte[] whole = readable ? body.bytes() : null;
            CompletableFuture<Permit> permit = end.decide(whole, header);
            end.keep(head, whole); // before the grant: a granted request may be offered at once
            await(ctx, permit);
        }
    }

    private void await(ChannelHandlerContext ctx, CompletableFuture<Permit> permit) {
        decided = true;
        body = null;
        Gate.whenDecided(permit, ctx.executor(), () -> onDecided(ctx));
    }

    /** On the event loop: sends what was held once granted; otherwise lets it go. */
    private void onDecided(ChannelHandlerContext ctx) {
        if (passing || released) {
            return;
        }
        if (!end.mayGo()) {
            release(); // refused or ended: the application hears it from the exchange
            return;
        }
        end.call().onSent();
        passing = true;
        byte[] replacement = attempt.offer(ctx.channel());
        if (replacement != null) { // the call goes out as a stream: the same head, the streaming body
            releaseHeld();
            held.add(end.kept().request(replacement));
        }
        while (!held.isEmpty()) {
            ctx.write(held.poll(), ctx.voidPromise());
        }
        ctx.flush();
    }

    /**
     * The response of an offered attempt: reaches the application only if the attempt was not
     * preempted first; a stream the agent asked for is read here and answered as one body.
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (answer != null) {
            if (answer.onMessage(ctx, msg)) {
                answer = null;
                answered = true;
            } else if (!ctx.channel().config().isAutoRead()) {
                ctx.read(); // nobody above asks for the stream's bytes: the agent reads them
            }
            return;
        }
        if (dropping) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!answered && passing && msg instanceof HttpResponse) {
            if (attempt.stream() != null && StreamedAnswer.isStream((HttpResponse) msg)) {
                answer = new StreamedAnswer(attempt, (HttpResponse) msg);
                channelRead(ctx, msg);
                return;
            }
            answered = true;
            if (!attempt.responseArrived()) {
                dropping = true; // its connection is being closed; the next attempt answers
                ReferenceCountUtil.release(msg);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (passing) {
            ctx.flush();
        } // else: flushed with the held messages once granted
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        release();
        super.close(ctx, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        release();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        if (passing) {
            return;
        }
        released = true;
        releaseHeld();
    }

    private void releaseHeld() {
        Object msg;
        while ((msg = held.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
