package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientConfig;

/**
 * A request to a configured endpoint as the application built it, classified as far as the thread
 * that built it allows: its target, the rules that need the application's frames and thread
 * (they are here, not on whichever thread later subscribes), and the client to send it with,
 * without the classification header. Each subscription then starts a {@link GatedCall} of its
 * own once its body was seen.
 */
final class PreparedRequest {
    final HttpClient client;
    final ByteBufAllocator alloc;
    final Gate.Pending pending;
    /** How failures to get a slot reach the application. */
    final ReactorRequestView view;
    final int maxBodyBytes;
    final String headerName;

    private PreparedRequest(HttpClient client, Gate.Pending pending, ReactorRequestView view) {
        this.client = client;
        this.pending = pending;
        this.view = view;
        this.maxBodyBytes = pending.runtime().settings().requestMaxBodyBytes();
        this.headerName = pending.runtime().classifier().headerName();
        Object configured = client.configuration().options().get(ChannelOption.ALLOCATOR);
        this.alloc = configured instanceof ByteBufAllocator ? (ByteBufAllocator) configured : ByteBufAllocator.DEFAULT;
    }

    /** Null when the request does not go to a configured endpoint (or its target is not known yet). */
    static PreparedRequest of(HttpClient client) {
        HttpClientConfig config = client.configuration();
        ReactorRequestView view = new ReactorRequestView(config);
        Gate.Pending pending = Gate.beginLater(view);
        if (pending == null) {
            return null;
        }
        AgentRuntime runtime = pending.runtime();
        String headerName = runtime.classifier().headerName();
        HttpClient toSend = client;
        if (config.headers().get(headerName) != null && runtime.settings().classifyHeaderStrip()) {
            toSend = client.headers(h -> h.remove(headerName));
        }
        if (runtime.settings().classifyHeaderStrip()) {
            // Headers set later (in the send callback, as Spring's WebClient does) are removed on the wire.
            toSend = toSend.doOnRequest((request, connection) -> HeaderStrip.install(connection, headerName));
        }
        return new PreparedRequest(toSend, pending, view);
    }

    /**
     * Where the request goes, resolved the way Reactor Netty does: an absolute URI, or a path
     * after the base URL, or a path on the configured remote address. A URI given as a
     * {@code Mono} is resolved only when subscribed: such a request is not recognised (null).
     */
    static URI target(HttpClientConfig config) {
        String uri = config.uri();
        if (uri == null) {
            uri = "/";
        }
        String base = config.baseUrl();
        if (base != null && uri.startsWith("/")) {
            uri = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + uri;
        }
        if (uri.contains("://")) {
            return URI.create(uri);
        }
        SocketAddress address = config.remoteAddress().get();
        if (!(address instanceof InetSocketAddress)) {
            return null;
        }
        InetSocketAddress inet = (InetSocketAddress) address;
        return URI.create((config.isSecure() ? "https" : "http") + "://" + hostLiteral(inet.getHostString()) + ":"
                + inet.getPort() + (uri.startsWith("/") ? uri : "/" + uri));
    }

    private static String hostLiteral(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
