package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.config.ResumeMode;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.resume.ResumableRequest;
import dev.rtbe.agent.resume.Resumption;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;

/**
 * A preemptible call's request as it was first written (head and whole body), kept so that a
 * preempted attempt can go out again; with its {@link Resumption} when the call goes to the server
 * as a stream under the hood (README "Resumable preemption").
 */
final class KeptRequest {
    private final HttpRequest head;
    private final byte[] body;
    private final Resumption resumption;

    private KeptRequest(HttpRequest head, byte[] body, Resumption resumption) {
        this.head = head;
        this.body = body;
        this.resumption = resumption;
    }

    /**
     * The request to keep, or null when the call may not be preempted: not a batch call under
     * transparent preemption, its body not read, or larger than {@code rtbe.preemption.max-body-bytes}.
     */
    static KeptRequest of(GatedCall call, Settings settings, HttpRequest head, byte[] body) {
        if (head == null || body == null || !call.preemptionEnabled() || body.length > settings.preemptionMaxBodyBytes()) {
            return null;
        }
        HttpRequest copy = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                Unpooled.EMPTY_BUFFER, head.headers().copy(), EmptyHttpHeaders.INSTANCE);
        Resumption resumption = null;
        if (settings.preemptionResume() == ResumeMode.CONTINUE) {
            ResumableRequest resumable = ResumableRequest.of(head.uri(), body);
            resumption = resumable == null ? null : new Resumption(resumable);
        }
        return new KeptRequest(copy, body, resumption);
    }

    /** The call goes out as a stream and is continued after a preemption; null: it starts again. */
    Resumption resumption() {
        return resumption;
    }

    /** What the first attempt sends, or the next after a preemption. */
    byte[] nextBody() {
        return resumption == null ? body : resumption.body();
    }

    /**
     * The request's headers as first written, framed for {@code length} body bytes. A call that
     * goes out as a stream asks for it uncompressed: the agent reads it on the way, and the
     * application gets the assembled body, uncompressed (as any client accepts).
     */
    HttpHeaders headers(int length) {
        HttpHeaders headers = head.headers().copy();
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (resumption != null) {
            headers.remove(HttpHeaderNames.ACCEPT_ENCODING);
        }
        headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
        return headers;
    }

    /** The whole request, head and {@code bytes}, as one message to write. */
    FullHttpRequest request(byte[] bytes) {
        return new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(), Unpooled.wrappedBuffer(bytes),
                headers(bytes.length), EmptyHttpHeaders.INSTANCE);
    }
}
