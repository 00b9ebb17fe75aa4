package dev.rtbe.agent.http.reactornetty.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.scheduler.Permit;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A preemptible batch call on its connection (an embedded channel), one slot: offered once its
 * request goes out, its connection closed by the scheduler's abort, immune once its response went
 * up or when its body is not kept; and, when it goes out as a stream, read there and answered as
 * one non-streaming response.
 */
class PreemptibleExchangeTest {
    private static final String CHAT = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":false}";

    private static void install(String resume, int maxBodyBytes) {
        new ChannelTestAgent().install(Map.of("rtbe.preemption", "transparent", "rtbe.preemption.resume", resume,
                "rtbe.preemption.max-body-bytes", Integer.toString(maxBodyBytes)));
    }

    @AfterEach
    void uninstall() {
        ChannelTestAgent.uninstall();
    }

    @Test
    void theAbortClosesTheConnectionAndTheAttemptIsCut() {
        install("restart", 1024);
        CallEnd end = new CallEnd(ChannelTestAgent.chatCall());
        Attempt attempt = Attempt.first(end);
        EmbeddedChannel channel = send(attempt, CHAT);
        FullHttpRequest sent = channel.readOutbound();
        assertEquals(CHAT, sent.content().toString(StandardCharsets.UTF_8), "sent as written");
        sent.release();
        assertNotNull(end.kept());

        CompletableFuture<Permit> rt = rtCall().acquireAsync(null);
        assertTrue(rt.isDone() && !rt.isCompletedExceptionally(), "the stream took the batch call's slot at once");
        assertFalse(channel.isOpen(), "the abort closed the batch call's connection");
        assertTrue(attempt.wasCut());
        assertTrue(end.call().wasPreempted());
        assertFalse(end.call().isFinished(), "the call goes on: it goes out again once it has a slot");
        rt.join().release();
        channel.finishAndReleaseAll();
    }

    @Test
    void aResponseThatWentUpEndsTheOffer() {
        install("restart", 1024);
        CallEnd end = new CallEnd(ChannelTestAgent.chatCall());
        EmbeddedChannel channel = send(Attempt.first(end), CHAT);
        ((FullHttpRequest) channel.readOutbound()).release();
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        channel.writeInbound(response);
        assertSame(response, channel.readInbound(), "the response reached the application");

        CompletableFuture<Permit> rt = rtCall().acquireAsync(null);
        assertFalse(rt.isDone(), "the batch call is immune now: the stream waits");
        assertTrue(channel.isOpen());
        end.call().finish(Outcome.COMPLETED, null);
        assertTrue(rt.isDone());
        rt.join().release();
        channel.finishAndReleaseAll();
    }

    @Test
    void aBodyOverThePreemptionLimitIsImmune() {
        install("restart", 16);
        CallEnd end = new CallEnd(ChannelTestAgent.chatCall());
        EmbeddedChannel channel = send(Attempt.first(end), CHAT);
        ((FullHttpRequest) channel.readOutbound()).release();
        assertNull(end.kept());
        CompletableFuture<Permit> rt = rtCall().acquireAsync(null);
        assertFalse(rt.isDone(), "not offered: the stream waits");
        end.call().finish(Outcome.COMPLETED, null);
        rt.join().release();
        channel.finishAndReleaseAll();
    }

    @Test
    void aCallSentAsAStreamIsReadOnItsConnectionAndAnsweredAsOneBody() {
        install("continue", 1024);
        CallEnd end = new CallEnd(ChannelTestAgent.chatCall());
        EmbeddedChannel channel = send(Attempt.first(end), CHAT);
        FullHttpRequest sent = channel.readOutbound();
        String streaming = sent.content().toString(StandardCharsets.UTF_8);
        assertTrue(streaming.contains("\"stream\":true"), streaming);
        assertEquals(Integer.toString(sent.content().readableBytes()), sent.headers().get(HttpHeaderNames.CONTENT_LENGTH));
        assertEquals("application/json", sent.headers().get(HttpHeaderNames.CONTENT_TYPE), "the same headers");
        assertNull(sent.headers().get(HttpHeaderNames.ACCEPT_ENCODING), "asked for uncompressed");
        sent.release();

        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson").set(HttpHeaderNames.TRANSFER_ENCODING, "chunked")
                .set("X-Server", "sim");
        channel.writeInbound(head);
        channel.writeInbound(new DefaultHttpContent(Unpooled.copiedBuffer(
                "{\"model\":\"m1\",\"message\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"done\":false}\n", StandardCharsets.UTF_8)));
        assertNull(channel.readInbound(), "nothing of the stream goes up");
        channel.writeInbound(new DefaultLastHttpContent(Unpooled.copiedBuffer(
                "{\"model\":\"m1\",\"message\":{\"role\":\"assistant\",\"content\":\"lo\"},\"done\":true,\"done_reason\":\"stop\","
                        + "\"eval_count\":2}\n", StandardCharsets.UTF_8)));

        HttpResponse answer = channel.readInbound();
        LastHttpContent body = channel.readInbound();
        String text = body.content().toString(StandardCharsets.UTF_8);
        assertEquals(200, answer.status().code());
        assertEquals("application/json; charset=utf-8", answer.headers().get(HttpHeaderNames.CONTENT_TYPE));
        assertEquals(Integer.toString(body.content().readableBytes()), answer.headers().get(HttpHeaderNames.CONTENT_LENGTH));
        assertNull(answer.headers().get(HttpHeaderNames.TRANSFER_ENCODING));
        assertEquals("sim", answer.headers().get("X-Server"), "the stream's other headers stay");
        assertEquals("{\"model\":\"m1\",\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"done\":true,"
                + "\"done_reason\":\"stop\",\"eval_count\":2}", text);
        body.release();
        assertEquals(Outcome.COMPLETED, end.call().outcome(), "the slot went back before the application read");
        channel.finishAndReleaseAll();
    }

    /** Writes a batch chat call and lets it go out (the slot is free). */
    private static EmbeddedChannel send(Attempt attempt, String body) {
        EmbeddedChannel channel = new EmbeddedChannel(new HoldUntilGranted(attempt, 4096, "X-Rtbe-Priority"));
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/chat",
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        request.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json").set(HttpHeaderNames.ACCEPT_ENCODING, "gzip");
        channel.writeAndFlush(request);
        channel.runPendingTasks();
        assertTrue(attempt.end().mayGo(), "granted");
        return channel;
    }

    private static GatedCall rtCall() {
        return ChannelTestAgent.chatCall().start(null, "rt");
    }
}
