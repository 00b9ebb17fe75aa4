package dev.rtbe.agent.http.okhttp.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.Buffer;
import okio.BufferedSink;
import org.junit.jupiter.api.Test;

/** The application's own OkHttp bodies are read before the call is decided and sent from the copy. */
class CollectedBodiesTest {
    private static final byte[] BODY = "{\"model\":\"m\",\"stream\":true}".getBytes();
    private static final MediaType JSON = MediaType.get("application/json");

    @Test
    void aCustomBodyIsReadOnceAndItsCopyIsSentWithTheSameTypeAndFraming() throws Exception {
        Custom body = new Custom(BODY, false);
        Request request = new Request.Builder().url("http://127.0.0.1:11434/api/chat").post(body).build();
        assertArrayEquals(BODY, CollectedBodies.read(request, 1024));
        RequestBody copy = CollectedBodies.take(request);
        assertEquals(JSON, copy.contentType());
        assertEquals(-1, copy.contentLength(), "an unknown length stays unknown");
        Buffer sent = new Buffer();
        copy.writeTo(sent);
        assertArrayEquals(BODY, sent.readByteArray());
        assertEquals(1, body.writes);
        assertNull(CollectedBodies.take(request), "taken once");
    }

    @Test
    void oneShotBodiesAndBodiesOverTheLimitAreLeftToOkHttp() {
        Request oneShot = new Request.Builder().url("http://127.0.0.1:11434/api/chat").post(new Custom(BODY, true)).build();
        assertNull(CollectedBodies.read(oneShot, 1024));
        Custom big = new Custom(new byte[5000], false);
        Request large = new Request.Builder().url("http://127.0.0.1:11434/api/chat").post(big).build();
        assertNull(CollectedBodies.read(large, 1000));
        assertNull(CollectedBodies.take(large));
    }

    private static final class Custom extends RequestBody {
        private final byte[] bytes;
        private final boolean oneShot;
        int writes;

        Custom(byte[] bytes, boolean oneShot) {
            this.bytes = bytes;
            this.oneShot = oneShot;
        }

        @Override
        public MediaType contentType() {
            return JSON;
        }

        @Override
        public long contentLength() {
            return -1;
        }

        @Override
        public boolean isOneShot() {
            return oneShot;
        }

        @Override
        public void writeTo(BufferedSink sink) throws IOException {
            writes++;
            sink.write(bytes);
        }
    }
}
