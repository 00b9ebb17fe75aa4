package dev.rtbe.agent.http.jdk.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A one-shot body is read once, decided on, and sent as exactly the same bytes. */
class BodyCollectorTest {
    @Test
    void aBodyWithinTheLimitIsReadWholeAndSentFromTheCopy() throws Exception {
        byte[] body = bytes(1000);
        OneShot source = new OneShot(body, 100);
        BodyCollector collector = BodyCollector.start(HttpRequest.BodyPublishers.fromPublisher(source), 4096);
        collector.collected().get(5, TimeUnit.SECONDS);
        assertArrayEquals(body, collector.bytes());
        assertFalse(collector.overLimit());
        HttpRequest.BodyPublisher sent = collector.toSend();
        assertEquals(-1, sent.contentLength(), "an unknown length stays unknown: chunked as before");
        assertArrayEquals(body, readAll(sent, 1));
        assertEquals(1, source.subscriptions);
    }

    @Test
    void aKnownLengthIsKept() throws Exception {
        byte[] body = bytes(300);
        BodyCollector collector = BodyCollector.start(HttpRequest.BodyPublishers.fromPublisher(new OneShot(body, 64), 300), 4096);
        collector.collected().get(5, TimeUnit.SECONDS);
        assertEquals(300, collector.toSend().contentLength());
        assertArrayEquals(body, readAll(collector.toSend(), Long.MAX_VALUE));
    }

    @Test
    void aBodyOverTheLimitGoesOutAsWhatWasReadThenTheRest() throws Exception {
        byte[] body = bytes(10_000);
        OneShot source = new OneShot(body, 700);
        BodyCollector collector = BodyCollector.start(HttpRequest.BodyPublishers.fromPublisher(source), 1000);
        collector.collected().get(5, TimeUnit.SECONDS);
        assertTrue(collector.overLimit());
        assertNull(collector.bytes());
        assertTrue(source.emitted < body.length, "reading stopped at the limit");
        assertArrayEquals(body, readAll(collector.toSend(), 3));
        assertEquals(1, source.subscriptions);
    }

    @Test
    void aFailingBodyFailsTheSameWayAfterTheBytesItGave() throws Exception {
        IOException broken = new IOException("broken body");
        Flow.Publisher<ByteBuffer> failing = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            private boolean sent;

            @Override
            public void request(long n) {
                if (!sent) {
                    sent = true;
                    subscriber.onNext(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                    subscriber.onError(broken);
                }
            }

            @Override
            public void cancel() {}
        });
        BodyCollector collector = BodyCollector.start(HttpRequest.BodyPublishers.fromPublisher(failing), 1000);
        collector.collected().get(5, TimeUnit.SECONDS);
        assertNull(collector.bytes());
        Collecting out = new Collecting(Long.MAX_VALUE);
        collector.toSend().subscribe(out);
        assertSame(broken, out.done.handle((v, e) -> e).get(5, TimeUnit.SECONDS));
        assertArrayEquals(new byte[] {1, 2, 3}, out.bytes.toByteArray());
    }

    @Test
    void anAsynchronousPublisherIsReadOnItsOwnThread() throws Exception {
        byte[] body = bytes(5000);
        SubmissionPublisher<ByteBuffer> publisher = new SubmissionPublisher<>();
        BodyCollector collector = BodyCollector.start(HttpRequest.BodyPublishers.fromPublisher(publisher), 8192);
        for (int i = 0; i < body.length; i += 1000) {
            publisher.submit(ByteBuffer.wrap(body, i, 1000));
        }
        publisher.close();
        collector.collected().get(5, TimeUnit.SECONDS);
        assertArrayEquals(body, collector.bytes());
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    /** Subscribes as the client does, asking for {@code batch} items at a time. */
    private static byte[] readAll(HttpRequest.BodyPublisher publisher, long batch) throws Exception {
        Collecting out = new Collecting(batch);
        publisher.subscribe(out);
        out.done.get(5, TimeUnit.SECONDS);
        return out.bytes.toByteArray();
    }

    private static final class Collecting implements Flow.Subscriber<ByteBuffer> {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final long batch;
        private Flow.Subscription subscription;
        private long outstanding;

        Collecting(long batch) {
            this.batch = batch;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            outstanding = batch;
            s.request(batch);
        }

        @Override
        public void onNext(ByteBuffer item) {
            byte[] b = new byte[item.remaining()];
            item.get(b);
            bytes.write(b, 0, b.length);
            if (batch != Long.MAX_VALUE && --outstanding == 0) {
                outstanding = batch;
                subscription.request(batch);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            done.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }
    }

    /** A body that can be subscribed once, emitting on demand in chunks, reusing one buffer. */
    private static final class OneShot implements Flow.Publisher<ByteBuffer> {
        private final byte[] body;
        private final int chunk;
        int subscriptions;
        int emitted;

        OneShot(byte[] body, int chunk) {
            this.body = body;
            this.chunk = chunk;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            subscriptions++;
            ByteBuffer reused = ByteBuffer.allocate(chunk);
            subscriber.onSubscribe(new Flow.Subscription() {
                private long demand;
                private boolean emitting;
                private boolean done;

                @Override
                public void request(long n) {
                    demand += n;
                    if (emitting) {
                        return; // the loop below serves it
                    }
                    emitting = true;
                    while (demand > 0 && !done) {
                        if (emitted == body.length) {
                            done = true;
                            subscriber.onComplete();
                            break;
                        }
                        int len = Math.min(chunk, body.length - emitted);
                        reused.clear();
                        reused.put(body, emitted, len).flip();
                        emitted += len;
                        demand--;
                        subscriber.onNext(reused);
                    }
                    if (!done && emitted == body.length && demand > 0) {
                        done = true;
                        subscriber.onComplete();
                    }
                    emitting = false;
                }

                @Override
                public void cancel() {
                    done = true;
                }
            });
        }
    }
}
