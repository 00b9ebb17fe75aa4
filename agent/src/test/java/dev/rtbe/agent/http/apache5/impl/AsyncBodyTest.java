package dev.rtbe.agent.http.apache5.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.entity.StringAsyncEntityProducer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.junit.jupiter.api.Test;

/** An async producer's body is read before the call is decided and sent as exactly the same bytes. */
class AsyncBodyTest {
    private static final String BODY = "{\"model\":\"m\",\"stream\":true}";

    private static AsyncRequestProducer producer(String body) {
        return new BasicRequestProducer(new BasicHttpRequest("POST", "/api/chat"),
                new StringAsyncEntityProducer(body, ContentType.APPLICATION_JSON));
    }

    @Test
    void aBodyWithinTheLimitIsReadWholeAndSentAsTheSameBytesEachTime() throws Exception {
        AsyncBody body = AsyncBody.read(producer(BODY), 1024);
        assertArrayEquals(BODY.getBytes(StandardCharsets.UTF_8), body.whole());
        assertArrayEquals(BODY.getBytes(StandardCharsets.UTF_8), send(body, 7));
        assertArrayEquals(BODY.getBytes(StandardCharsets.UTF_8), send(body, 1000), "a redirect sends it again");
    }

    @Test
    void aBodyOverTheLimitGoesOutAsWhatWasReadThenTheRest() throws Exception {
        StringBuilder big = new StringBuilder("{\"model\":\"m\",\"prompt\":\"");
        for (int i = 0; i < 20_000; i++) {
            big.append((char) ('a' + i % 26));
        }
        String text = big.append("\"}").toString();
        AsyncBody body = AsyncBody.read(producer(text), 4096);
        assertNull(body.whole(), "over the limit: decided without the body");
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), send(body, 3000));
    }

    /** Sends {@code body} as the exchange would, into a connection that takes at most {@code window} bytes a write. */
    private static byte[] send(AsyncBody body, int window) throws Exception {
        Connection connection = new Connection(window);
        body.sendRequest((request, entity, context) -> { }, null);
        for (int i = 0; i < 10_000 && !connection.ended; i++) {
            body.produce(connection);
        }
        assertTrue(connection.ended, "the stream was ended");
        body.releaseResources();
        return connection.sent.toByteArray();
    }

    private static final class Connection implements DataStreamChannel {
        private final int window;
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        boolean ended;

        Connection(int window) {
            this.window = window;
        }

        @Override
        public void requestOutput() {
            // produce is called in a loop
        }

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(window, src.remaining());
            byte[] chunk = new byte[n];
            src.get(chunk);
            sent.write(chunk, 0, n);
            return n;
        }

        @Override
        public void endStream() {
            ended = true;
        }

        @Override
        public void endStream(List<? extends Header> trailers) throws IOException {
            ended = true;
        }
    }
}
