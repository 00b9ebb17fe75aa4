package dev.rtbe.agent.http.apache5.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.junit.jupiter.api.Test;

/** A classic one-shot body is read before the call is decided and sent as exactly the same bytes. */
class ClassicBodiesTest {
    private static final byte[] BODY = "{\"model\":\"m\",\"stream\":true}".getBytes();

    @Test
    void aStreamedBodyWithinTheLimitIsReadAndTheRequestCarriesTheSameBytes() throws Exception {
        HttpPost post = new HttpPost("http://127.0.0.1:11434/api/chat");
        post.setEntity(new InputStreamEntity(new ByteArrayInputStream(BODY), -1, ContentType.APPLICATION_JSON));
        assertArrayEquals(BODY, ClassicBodies.read(post, 1024));
        HttpEntity sent = post.getEntity();
        assertArrayEquals(BODY, content(sent));
        assertArrayEquals(BODY, content(sent), "the copy can be sent again");
        assertTrue(sent.isChunked(), "an unknown length still goes out chunked");
        assertEquals(ContentType.APPLICATION_JSON.toString(), sent.getContentType());
    }

    @Test
    void aBodyOverTheLimitGoesOutAsWhatWasReadThenTheRest() throws Exception {
        byte[] big = new byte[50_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        HttpPost post = new HttpPost("http://127.0.0.1:11434/api/chat");
        post.setEntity(new InputStreamEntity(new ByteArrayInputStream(big), -1, ContentType.APPLICATION_JSON));
        assertNull(ClassicBodies.read(post, 1000));
        assertArrayEquals(big, content(post.getEntity()));
    }

    @Test
    void aWriteOnlyBodyIsWrittenOnceAndSentFromTheCopy() throws Exception {
        int[] writes = new int[1];
        HttpPost post = new HttpPost("http://127.0.0.1:11434/api/chat");
        post.setEntity(new AbstractHttpEntity(ContentType.APPLICATION_JSON, null) {
            @Override
            public InputStream getContent() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                writes[0]++;
                out.write(BODY);
            }

            @Override
            public boolean isRepeatable() {
                return false;
            }

            @Override
            public long getContentLength() {
                return -1;
            }

            @Override
            public boolean isStreaming() {
                return true;
            }

            @Override
            public void close() {}
        });
        assertArrayEquals(BODY, ClassicBodies.read(post, 1024));
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        post.getEntity().writeTo(sent);
        assertArrayEquals(BODY, sent.toByteArray());
        assertEquals(1, writes[0]);
    }

    @Test
    void aFailingBodyFailsTheSameWayAfterTheBytesItGave() {
        IOException broken = new IOException("broken");
        InputStream failing = new InputStream() {
            private int served;

            @Override
            public int read() throws IOException {
                if (served < 3) {
                    return ++served;
                }
                throw broken;
            }
        };
        HttpPost post = new HttpPost("http://127.0.0.1:11434/api/chat");
        post.setEntity(new InputStreamEntity(failing, -1, ContentType.APPLICATION_JSON));
        assertNull(ClassicBodies.read(post, 1024));
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        IOException thrown = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> post.getEntity().writeTo(sent));
        assertEquals(broken, thrown);
        assertArrayEquals(new byte[] {1, 2, 3}, sent.toByteArray());
    }

    private static byte[] content(HttpEntity entity) throws IOException {
        try (InputStream in = entity.getContent()) {
            return in.readAllBytes();
        }
    }
}
