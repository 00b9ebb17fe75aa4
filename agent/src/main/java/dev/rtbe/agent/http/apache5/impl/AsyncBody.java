package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.Gate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.RequestChannel;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * An async request's body as its producer writes it (an {@code AsyncEntityProducer} behind a
 * {@code BasicRequestProducer}: {@code AsyncRequestBuilder}'s and {@code AsyncEntityProducers}'
 * entities, a reactive producer), read before the call is decided. The producer writes into a
 * channel of ours as it would into the connection; what it writes at once is kept, up to the
 * limit. The exchange then gets this producer instead: it sends exactly the bytes kept, then lets
 * the application's producer write the rest through the same channel of ours (a producer may keep
 * the first channel it was given), now passed on to the exchange's. The request and its entity
 * details (length, type, chunking) are the application's own. The body is classified by only if
 * it ended within the limit at once, as an in-memory entity does; one that waits for data, or is
 * larger, goes out the same and its call is decided without it.
 */
final class AsyncBody implements AsyncRequestProducer {
    /** Rounds of {@code produce} that write nothing before the body counts as waiting for data. */
    private static final int IDLE_ROUNDS = 3;

    private final AsyncRequestProducer producer;
    private final Channel channel;
    private final byte[] kept;

    /** Sending: how much of {@link #kept} went out, and whether this sending replays it. */
    private int sentBytes;
    private boolean replaying;
    private boolean firstSending = true;

    private AsyncBody(AsyncRequestProducer producer, Channel channel) {
        this.producer = producer;
        this.channel = channel;
        this.kept = channel.read.toByteArray();
    }

    /** Reads what {@code producer} writes at once, up to {@code maxBytes}, on the calling thread. */
    static AsyncBody read(AsyncRequestProducer producer, int maxBytes) {
        Channel channel = new Channel(maxBytes);
        int idle = 0;
        while (!channel.ended && !channel.over && channel.failure == null && idle < IDLE_ROUNDS) {
            int before = channel.read.size();
            channel.outputRequested = false;
            try {
                producer.produce(channel);
            } catch (IOException | RuntimeException e) {
                channel.failure = e;
            }
            idle = channel.read.size() > before || channel.outputRequested ? 0 : idle + 1;
        }
        if (channel.over) {
            Gate.bodyOverLimit("apache-httpclient5", channel.read.size());
        }
        return new AsyncBody(producer, channel);
    }

    /** The whole body, when the producer ended it within the limit while it was read; else null. */
    byte[] whole() {
        return channel.ended && channel.failure == null ? kept : null;
    }

    /**
     * Whether the body can go out again after an attempt was cut: from the copy when it was read
     * whole within {@code maxBytes}, or by the application's producer when it is repeatable.
     */
    boolean canSendAgain(int maxBytes) {
        byte[] w = whole();
        return (w != null && w.length <= maxBytes) || producer.isRepeatable();
    }

    /** Whether the bytes kept are all of the body (so they can be sent again from the copy). */
    private boolean keptAll() {
        return channel.ended || channel.failure != null;
    }

    @Override
    public void sendRequest(RequestChannel requestChannel, HttpContext context) throws HttpException, IOException {
        // A body read whole is sent from the copy every time; one read in part only the first time
        // (a repeatable producer starts again from its beginning after releaseResources).
        replaying = keptAll() || firstSending;
        firstSending = false;
        sentBytes = 0;
        producer.sendRequest(requestChannel, context);
    }

    @Override
    public boolean isRepeatable() {
        return producer.isRepeatable();
    }

    @Override
    public int available() {
        if (!replaying) {
            return producer.available();
        }
        int left = kept.length - sentBytes;
        return keptAll() ? Math.max(1, left) : left + Math.max(0, producer.available()); // 1: the end is due
    }

    @Override
    public void produce(DataStreamChannel target) throws IOException {
        channel.sendTo(target);
        if (replaying) {
            while (sentBytes < kept.length) {
                int n = target.write(ByteBuffer.wrap(kept, sentBytes, kept.length - sentBytes));
                if (n <= 0) {
                    return; // the connection is full: the client calls again when it can write
                }
                sentBytes += n;
            }
            replaying = false;
            if (keptAll()) {
                channel.endAsRead(target);
                return;
            }
        }
        producer.produce(channel);
    }

    @Override
    public void failed(Exception cause) {
        producer.failed(cause);
    }

    @Override
    public void releaseResources() {
        producer.releaseResources();
    }

    /**
     * What the application's producer writes into: kept while the body is read, then passed on to
     * the exchange's channel.
     */
    private static final class Channel implements DataStreamChannel {
        private final int maxBytes;
        final ByteArrayOutputStream read = new ByteArrayOutputStream();
        boolean over;
        boolean ended;
        /** The trailers the producer ended with (null for {@code endStream()}). */
        List<? extends Header> trailers;
        /** What the producer threw while it was read: thrown again once the bytes before it are sent. */
        Exception failure;
        volatile boolean outputRequested;
        private volatile DataStreamChannel target;

        Channel(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        void sendTo(DataStreamChannel exchange) {
            target = exchange;
        }

        /** Ends the exchange's stream as the producer ended it while it was read. */
        void endAsRead(DataStreamChannel exchange) throws IOException {
            if (failure instanceof IOException) {
                throw (IOException) failure;
            } else if (failure != null) {
                throw (RuntimeException) failure;
            } else if (trailers == null) {
                exchange.endStream();
            } else {
                exchange.endStream(trailers);
            }
        }

        @Override
        public void requestOutput() {
            DataStreamChannel t = target;
            if (t != null) {
                t.requestOutput();
            } else {
                outputRequested = true; // while read; once sent, the exchange asks for output itself
            }
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            DataStreamChannel t = target;
            if (t != null) {
                return t.write(src);
            }
            int room = maxBytes - read.size();
            int n = Math.min(room, src.remaining());
            if (src.remaining() > room) {
                over = true; // the rest stays with the producer, which writes it to the exchange
            }
            byte[] chunk = new byte[n];
            src.get(chunk);
            read.write(chunk, 0, n);
            return n;
        }

        @Override
        public void endStream() throws IOException {
            endStream(null);
        }

        @Override
        public void endStream(List<? extends Header> endTrailers) throws IOException {
            DataStreamChannel t = target;
            if (t == null) {
                ended = true;
                trailers = endTrailers;
            } else if (endTrailers == null) {
                t.endStream();
            } else {
                t.endStream(endTrailers);
            }
        }
    }
}
