package dev.rtbe.agent.http.reactornetty.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.QueueFullException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A gated request held on its connection (an embedded channel) until its body was seen and its
 * slot granted: the same messages then go out in order; nothing leaks when it never goes out.
 * One slot; the holder call below takes it, so the request under test queues.
 */
class HoldUntilGrantedTest {
    private static final String STREAM = "{\"model\":\"m1\",\"stream\":true}";

    private final ChannelTestAgent agent = new ChannelTestAgent();
    private final List<ByteBuf> buffers = new ArrayList<>();

    @BeforeEach
    void install() {
        agent.install(Map.of("rtbe.request.max-body-bytes", "64", "rtbe.queue.be.max-length", "1"));
    }

    @AfterEach
    void uninstall() {
        ChannelTestAgent.uninstall();
    }

    @Test
    void aStreamedBodyIsHeldUntilItsEndAndItsSlotThenTheSameMessagesGoOutInOrder() {
        GatedCall holder = holdTheSlot();
        CallEnd end = new CallEnd(ChannelTestAgent.chatCall());
        EmbeddedChannel channel = new EmbeddedChannel(new HoldUntilGranted(Attempt.first(end), 64, "X-Rtbe-Priority"));
        HttpRequest head = head();
        ByteBuf first = buffer(STREAM.substring(0, 10));
        ByteBuf second = buffer(STREAM.substring(10));
        List<ChannelFuture> writes = List.of(channel.writeAndFlush(head), channel.writeAndFlush(first),
                channel.writeAndFlush(second), channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
        channel.runPendingTasks();

        assertNull(channel.readOutbound(), "nothing may leave before the slot is granted");
        writes.forEach(w -> assertTrue(w.isSuccess(), "each write is accepted at once"));
        GatedCall call = end.call();
        assertNotNull(call, "the body's end decides the call");
        assertEquals(Priority.RT, call.classification().priority());
        assertEquals("streaming", call.classification().rule().label());
        assertEquals("m1", call.request().model());
        assertFalse(end.permit().isDone(), "queued behind the holder");

        holder.finish(Outcome.COMPLETED, null);
        channel.runPendingTasks();
        assertSame(head, channel.readOutbound());
        assertSame(first, channel.readOutbound());
        assertSame(second, channel.readOutbound());
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, channel.readOutbound());
        assertEquals(1, first.refCnt(), "held and sent, never copied or released on the way");
        ByteBuf later = buffer("later");
        channel.writeAndFlush(later);
        assertSame(later, channel.readOutbound(), "once granted, writes pass straight on");
        call.finish(Outcome.COMPLETED, null);
        channel.finishAndReleaseAll();
    }

    @Test
    void aWholeRequestInOneMessageIsDecidedAtOnceAndSentWhenGranted() {
        CallEnd end = new CallEnd(ChannelTestAgent.chatCall());
        EmbeddedChannel channel = new EmbeddedChannel(new HoldUntilGranted(Attempt.first(end), 64, "X-Rtbe-Priority"));
        DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/chat",
                Unpooled.copiedBuffer("{\"model\":\"m2\",\"stream\":false}", StandardCharsets.UTF_8));
        channel.writeAndFlush(request);
        channel.runPendingTasks();
        assertSame(request, channel.readOutbound(), "a free slot: out at once");
        assertEquals(Priority.BE, end.call().classification().priority());
        assertEquals("m2", end.call().request().model());
        end.completed();
        channel.finishAndReleaseAll();
        request.release();
    }

    @Test
    void theHeaderAsTheRequestIsWrittenWinsOverTheBody() {
        CallEnd end = new CallEnd(ChannelTestAgent.chatCall());
        EmbeddedChannel channel = new EmbeddedChannel(new HoldUntilGranted(Attempt.first(end), 64, "X-Rtbe-Priority"));
        HttpRequest head = head();
        head.headers().set("X-Rtbe-Priority", "batch"); // set inside the exchange (a Spring interceptor)
        channel.writeAndFlush(head);
        channel.writeAndFlush(buffer(STREAM));
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        channel.runPendingTasks();
        assertEquals(Priority.BE, end.call().classification().priority());
        assertEquals("header", end.call().classification().rule().label());
        end.completed();
        channel.finishAndReleaseAll();
    }

    @Test
    void aBodyPastTheLimitGoesOutUnchangedDecidedWithoutIt() {
        CallEnd end = new CallEnd(ChannelTestAgent.chatCall());
        EmbeddedChannel channel = new EmbeddedChannel(new HoldUntilGranted(Attempt.first(end), 64, "X-Rtbe-Priority"));
        HttpRequest head = head();
        ByteBuf big = buffer("{\"model\":\"m1\",\"stream\":true,\"pad\":\"" + "x".repeat(100) + "\"}");
        channel.writeAndFlush(head);
        channel.writeAndFlush(big);
        channel.runPendingTasks();
        assertNotNull(end.call(), "decided where reading stopped, not at the body's end");
        assertEquals("default", end.call().classification().rule().label());
        assertFalse(end.call().request().bodyParsed());
        assertTrue(agent.log().contains("rtbe.request.max-body-bytes"), agent::log);
        assertSame(head, channel.readOutbound());
        assertSame(big, channel.readOutbound());
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, channel.readOutbound());
        end.completed();
        channel.finishAndReleaseAll();
    }

    @Test
    void cancellingWhileQueuedLeavesTheQueueReleasesTheHeldBuffersAndLosesNoSlot() {
        GatedCall holder = holdTheSlot();
        CallEnd end = new CallEnd(ChannelTestAgent.chatCall());
        EmbeddedChannel channel = new EmbeddedChannel(new HoldUntilGranted(Attempt.first(end), 64, "X-Rtbe-Priority"));
        ByteBuf body = buffer(STREAM);
        channel.writeAndFlush(head());
        channel.writeAndFlush(body);
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(1, queued(holder));

        end.cancelled();
        channel.runPendingTasks();
        assertEquals(0, queued(holder));
        assertTrue(end.permit().isCancelled());
        assertEquals(Outcome.CANCELLED, end.call().outcome());
        assertEquals(0, body.refCnt(), "the held body was released");
        assertNull(channel.readOutbound(), "a cancelled call never goes out");

        holder.finish(Outcome.COMPLETED, null);
        GatedCall next = ChannelTestAgent.chatCall().start(null);
        assertTrue(next.acquireAsync(null).isDone(), "the slot came back");
        next.finish(Outcome.COMPLETED, null);
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionThatClosesWhileHeldReleasesWhatItHeld() {
        GatedCall holder = holdTheSlot();
        CallEnd end = new CallEnd(ChannelTestAgent.chatCall());
        EmbeddedChannel channel = new EmbeddedChannel(new HoldUntilGranted(Attempt.first(end), 64, "X-Rtbe-Priority"));
        ByteBuf body = buffer("{\"model\":");
        channel.writeAndFlush(head());
        channel.writeAndFlush(body);
        channel.close();
        assertEquals(0, body.refCnt());
        assertNull(end.call(), "the body never ended: not decided");
        end.failed(new IllegalStateException("closed"));
        assertEquals(Outcome.FAILED, end.call().outcome(), "the exchange still ends in one call");
        holder.finish(Outcome.COMPLETED, null);
    }

    @Test
    void aRedirectOfAGrantedCallPassesStraightOn() {
        CallEnd end = new CallEnd(ChannelTestAgent.chatCall());
        EmbeddedChannel first = new EmbeddedChannel(new HoldUntilGranted(Attempt.first(end), 64, "X-Rtbe-Priority"));
        first.writeAndFlush(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/chat",
                buffer(STREAM)));
        first.runPendingTasks();
        assertNotNull(first.readOutbound());
        GatedCall call = end.call();
        EmbeddedChannel second = new EmbeddedChannel(new HoldUntilGranted(Attempt.first(end), 64, "X-Rtbe-Priority"));
        HttpRequest head = head();
        second.writeAndFlush(head);
        second.runPendingTasks();
        assertSame(head, second.readOutbound());
        assertSame(call, end.call(), "one call, one slot, across the hops");
        end.completed();
        first.finishAndReleaseAll();
        second.finishAndReleaseAll();
    }

    @Test
    void aRefusedSlotFailsTheExchangeWithTheSchedulersErrorAndNothingGoesOut() {
        GatedCall holder = holdTheSlot();
        GatedCall waiting = ChannelTestAgent.chatCall().start(null); // fills the batch queue (length 1)
        waiting.acquireAsync(null);
        CallEnd end = new CallEnd(ChannelTestAgent.chatCall());
        EmbeddedChannel channel = new EmbeddedChannel(new HoldUntilGranted(Attempt.first(end), 64, "X-Rtbe-Priority"));
        ByteBuf body = buffer("{\"model\":\"m1\",\"stream\":false}"); // a batch call: its queue is full
        channel.writeAndFlush(head());
        channel.writeAndFlush(body);
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        channel.runPendingTasks();
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> end.refusal().toFuture().get(10, TimeUnit.SECONDS));
        assertTrue(refused.getCause() instanceof QueueFullException, refused::toString);
        assertEquals(Outcome.REJECTED, end.call().outcome());
        assertEquals(0, body.refCnt());
        assertNull(channel.readOutbound());
        waiting.finish(Outcome.CANCELLED, null);
        holder.finish(Outcome.COMPLETED, null);
        channel.finishAndReleaseAll();
    }

    private GatedCall holdTheSlot() {
        GatedCall holder = ChannelTestAgent.chatCall().start(null);
        try {
            holder.acquireAsync(null).join();
        } catch (CompletionException e) {
            throw new AssertionError(e);
        }
        return holder;
    }

    private static int queued(GatedCall any) {
        return any.pool().scheduler().snapshot().queued(Priority.RT) + any.pool().scheduler().snapshot().queued(Priority.BE);
    }

    private static HttpRequest head() {
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/chat");
    }

    private ByteBuf buffer(String text) {
        ByteBuf b = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        buffers.add(b);
        return b;
    }
}
