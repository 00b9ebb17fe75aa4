package dev.rtbe.agent.http.reactornetty.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The classifier's copy of a request body: read through the buffers, never moving or releasing them. */
class BodyCopyTest {
    @Test
    void copiesTheReadableBytesOfEachBufferAndLeavesTheBuffersAsTheyWere() {
        ByteBuf first = Unpooled.copiedBuffer("xx{\"model\":", StandardCharsets.UTF_8);
        first.readerIndex(2); // bytes before the reader index are not the body
        CompositeByteBuf second = Unpooled.compositeBuffer();
        second.addComponents(true, Unpooled.copiedBuffer("\"m1\",", StandardCharsets.UTF_8),
                Unpooled.copiedBuffer("\"stream\":true}", StandardCharsets.UTF_8));
        BodyCopy copy = new BodyCopy(64);
        assertTrue(copy.add(first));
        assertTrue(copy.add(second));
        assertArrayEquals("{\"model\":\"m1\",\"stream\":true}".getBytes(StandardCharsets.UTF_8), copy.bytes());
        assertEquals(2, first.readerIndex());
        assertEquals(0, second.readerIndex());
        assertEquals(1, first.refCnt());
        assertEquals(1, second.refCnt());
        first.release();
        second.release();
    }

    @Test
    void aBodyUpToTheLimitIsKeptAndOneBytePastItIsNot() {
        BodyCopy exact = new BodyCopy(8);
        assertTrue(exact.add(Unpooled.wrappedBuffer(new byte[5])));
        assertTrue(exact.add(Unpooled.wrappedBuffer(new byte[3])));
        assertEquals(8, exact.bytes().length);
        assertFalse(exact.overLimit());

        BodyCopy over = new BodyCopy(8);
        assertTrue(over.add(Unpooled.wrappedBuffer(new byte[5])));
        assertFalse(over.add(Unpooled.wrappedBuffer(new byte[4])));
        assertTrue(over.overLimit());
        assertNull(over.bytes());
        assertFalse(over.add(Unpooled.wrappedBuffer(new byte[1])));
        assertEquals(10, over.seen());
    }

    @Test
    void anEmptyBodyIsAnEmptyCopy() {
        BodyCopy copy = new BodyCopy(8);
        assertTrue(copy.add(Unpooled.EMPTY_BUFFER));
        assertEquals(0, copy.bytes().length);
    }
}
