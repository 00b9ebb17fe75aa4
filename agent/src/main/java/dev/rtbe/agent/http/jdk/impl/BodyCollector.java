package dev.rtbe.agent.http.jdk.impl;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads a request body that can be read only once (Spring's streamed bodies, an input stream,
 * {@code fromPublisher}) before the request is sent, so the call can be classified by what it
 * asks for, then sends exactly the same bytes. The body is read one item at a time up to a
 * limit; {@link #collected()} completes when it ended, failed, or passed the limit. A body within
 * the limit goes out from the copy; a larger one goes out as what was read first, then the rest,
 * read on as the client asks for it. The publisher is subscribed once.
 */
final class BodyCollector implements Flow.Subscriber<ByteBuffer> {
    private final int maxBytes;
    private final long contentLength;
    private final CompletableFuture<BodyCollector> collected = new CompletableFuture<>();
    /** What was read before the decision; replayed first to the client's subscriber. */
    private final Queue<ByteBuffer> read = new ConcurrentLinkedQueue<>();
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile Flow.Subscription upstream;
    private volatile Flow.Subscriber<? super ByteBuffer> downstream;
    private volatile long size;
    private volatile boolean overLimit;
    private volatile boolean ended;
    private volatile Throwable error;
    /** Past the replay: the client's demand goes straight to the application's publisher. */
    private volatile boolean live;
    private volatile boolean cancelled;

    private BodyCollector(int maxBytes, long contentLength) {
        this.maxBytes = maxBytes;
        this.contentLength = contentLength;
    }

    /** Starts reading {@code body}; the returned collector's {@link #collected()} tells when it is decided. */
    static BodyCollector start(HttpRequest.BodyPublisher body, int maxBytes) {
        BodyCollector collector = new BodyCollector(maxBytes, body.contentLength());
        body.subscribe(collector);
        return collector;
    }

    CompletableFuture<BodyCollector> collected() {
        return collected;
    }

    /** The whole body, or null when it was larger than the limit or failed. */
    byte[] bytes() {
        if (!ended || overLimit || error != null) {
            return null;
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream((int) size);
        for (ByteBuffer b : read) {
            ByteBuffer view = b.duplicate();
            byte[] chunk = new byte[view.remaining()];
            view.get(chunk);
            all.write(chunk, 0, chunk.length);
        }
        return all.toByteArray();
    }

    boolean overLimit() {
        return overLimit;
    }

    /**
     * The body to send: the copy when it was read whole (with the same length, or chunked when the
     * length was unknown), else what was read followed by the rest.
     */
    HttpRequest.BodyPublisher toSend() {
        byte[] whole = bytes();
        if (whole != null) {
            HttpRequest.BodyPublisher copy = HttpRequest.BodyPublishers.ofByteArray(whole);
            return contentLength >= 0 ? copy : HttpRequest.BodyPublishers.fromPublisher(copy);
        }
        return new Relay();
    }

    /** Gives up on the body (the call was cancelled before it was sent), now or once subscribed. */
    void cancel() {
        cancelled = true;
        Flow.Subscription s = upstream;
        if (s != null) {
            s.cancel();
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        upstream = subscription;
        if (cancelled) {
            subscription.cancel(); // cancelled before the publisher got to subscribe us
            return;
        }
        subscription.request(1);
    }

    @Override
    public void onNext(ByteBuffer item) {
        if (live) {
            downstream.onNext(item);
            return;
        }
        // A copy: a publisher may reuse its buffer once onNext returns.
        ByteBuffer copy = ByteBuffer.allocate(item.remaining());
        copy.put(item).flip();
        read.add(copy);
        size += copy.remaining();
        if (size > maxBytes) {
            overLimit = true; // stop reading here: the rest is read as the client asks for it
            collected.complete(this);
        } else {
            upstream.request(1);
        }
    }

    @Override
    public void onError(Throwable throwable) {
        error = throwable;
        ended = true;
        if (!collected.complete(this)) {
            drain();
        }
    }

    @Override
    public void onComplete() {
        ended = true;
        if (!collected.complete(this)) {
            drain();
        }
    }

    /** Replays what was read, then hands the client's demand to the application's publisher. */
    private void drain() {
        Flow.Subscriber<? super ByteBuffer> to = downstream;
        if (to == null || wip.getAndIncrement() != 0) {
            return;
        }
        do {
            while (demand.get() > 0 && !read.isEmpty()) {
                demand.decrementAndGet();
                to.onNext(read.poll());
            }
            if (read.isEmpty()) {
                if (ended) {
                    Throwable e = error;
                    if (e != null) {
                        to.onError(e);
                    } else {
                        to.onComplete();
                    }
                    return;
                }
                live = true;
                long more = demand.getAndSet(0);
                if (more > 0) {
                    upstream.request(more);
                }
            }
        } while (wip.decrementAndGet() != 0);
    }

    /** The body past the limit, as one publisher: what was read, then the rest. Subscribed once. */
    private final class Relay implements HttpRequest.BodyPublisher {
        @Override
        public long contentLength() {
            return contentLength;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            downstream = subscriber;
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    if (live) {
                        upstream.request(n);
                        return;
                    }
                    demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                    drain();
                }

                @Override
                public void cancel() {
                    BodyCollector.this.cancel();
                }
            });
            drain();
        }
    }
}
