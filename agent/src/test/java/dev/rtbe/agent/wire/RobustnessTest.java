package dev.rtbe.agent.wire;

import static dev.rtbe.agent.wire.WireTestSupport.assertSplitInvariant;
import static dev.rtbe.agent.wire.WireTestSupport.feed;
import static dev.rtbe.agent.wire.WireTestSupport.gzip;
import static dev.rtbe.agent.wire.WireTestSupport.utf8;
import static dev.rtbe.agent.wire.WireTestSupport.watcher;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.wire.WireTestSupport.Recorder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/** Bounded memory, gzip, buffer variants and the never-throw guarantee. */
class RobustnessTest {
    private static final List<String> GENERATE_EVENTS = List.of("first", OllamaStreamTest.GENERATE_FINAL);

    private static Function<StreamListener, ResponseWatcher> generate(String encoding) {
        return watcher("/api/generate", "{\"model\":\"llama3.2\"}", 200, OllamaStreamTest.NDJSON, encoding);
    }

    private static Function<StreamListener, ResponseWatcher> smallLines(int maxLine) {
        LlmRequest req = new RequestInspector().inspect("/api/generate", utf8("{\"model\":\"llama3.2\"}"));
        return l -> ResponseWatchers.create(req, 200, OllamaStreamTest.NDJSON, null, l, maxLine, 1024);
    }

    @Test
    void overLongLineIsSkippedAndLaterLinesStillParse() {
        String[] lines = OllamaStreamTest.GENERATE.split("\n");
        String longLine = "{\"model\":\"llama3.2\",\"response\":\"" + "y".repeat(150) + "\",\"done\":false}";
        byte[] data = utf8(longLine + "\n" + lines[0] + "\n" + longLine + "\r\n" + lines[3] + "\n");
        // The cap fits every real line but not the padded ones.
        List<String> events = assertSplitInvariant(smallLines(lines[3].length() + 1), data);
        assertEquals(GENERATE_EVENTS, events);
    }

    @Test
    void overLongLineWithTheDefaultCap() {
        String[] lines = OllamaStreamTest.GENERATE.split("\n");
        String huge = "{\"model\":\"llama3.2\",\"response\":\"\",\"logprobs\":\"" + "z".repeat(100_000) + "\",\"done\":false}";
        byte[] data = utf8(huge + "\n" + String.join("\n", lines) + "\n");
        assertEquals(GENERATE_EVENTS, feed(generate(null), data));
        int mid = huge.length() / 2;
        assertEquals(GENERATE_EVENTS, feed(generate(null), data, 10, mid, huge.length(), huge.length() + 1));
    }

    @Test
    void overLongFinalLineIsNotReportedAsAFailure() {
        String[] lines = OllamaStreamTest.GENERATE.split("\n");
        byte[] data = utf8(lines[0] + "\n" + lines[3] + "\n");
        // Final chunk (with its context array) exceeds the cap: its stats are lost, but no false error.
        assertEquals(List.of("first"), feed(smallLines(lines[0].length() + 1), data));
    }

    @Test
    void gzipStreamAtEverySplit() {
        byte[] compressed = gzip(utf8(OllamaStreamTest.GENERATE));
        assertEquals(GENERATE_EVENTS, assertSplitInvariant(generate("gzip"), compressed));
        Function<StreamListener, ResponseWatcher> sse = watcher("/v1/chat/completions", "{\"stream\":true}", 200,
                "text/event-stream", "x-gzip");
        assertEquals(2, assertSplitInvariant(sse, gzip(utf8(OpenAiStreamTest.CHAT_WITH_USAGE))).size());
    }

    @Test
    void gzipNonStreamingAndErrorBodies() {
        Function<StreamListener, ResponseWatcher> json = watcher("/v1/chat/completions", "{}", 200, "application/json", "gzip");
        String body = "{\"model\":\"m\",\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}";
        assertEquals(List.of("first", "final LlmResult{model=m, in=1, out=1, finish=stop, total=-1, load=-1, "
                + "promptEval=-1, eval=-1}"), feed(json, gzip(utf8(body))));
        Function<StreamListener, ResponseWatcher> err = watcher("/api/chat", "{}", 500, "text/plain", "gzip");
        assertEquals(List.of("error boom"), feed(err, gzip(utf8("boom"))));
    }

    @Test
    void gzipWithOptionalHeaderFieldsAndTwoMembers() {
        byte[] text = utf8(OllamaStreamTest.GENERATE);
        int half = OllamaStreamTest.GENERATE.indexOf("{\"model\":\"llama3.2\",\"created_at\":\"2025-01-15T10:00:00.163");
        byte[] first = handMadeGzip(java.util.Arrays.copyOfRange(text, 0, half), true);
        byte[] second = gzip(java.util.Arrays.copyOfRange(text, half, text.length));
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        assertEquals(GENERATE_EVENTS, assertSplitInvariant(generate("gzip"), both));
    }

    @Test
    void corruptGzipStopsSilently() {
        byte[] compressed = gzip(utf8(OllamaStreamTest.GENERATE));
        byte[] corrupt = compressed.clone();
        for (int i = 20; i < corrupt.length - 8; i++) {
            corrupt[i] = (byte) 0xff;
        }
        assertEquals(List.of(), feed(generate("gzip"), corrupt));
        assertEquals(List.of(), feed(generate("gzip"), utf8(OllamaStreamTest.GENERATE)), "not gzip at all");
        // A stream that was already reporting stops without a further (error) event.
        int cut = compressed.length / 2;
        byte[] tail = compressed.clone();
        for (int i = cut; i < tail.length; i++) {
            tail[i] = (byte) 0xff;
        }
        List<String> events = feed(generate("gzip"), tail, cut);
        assertTrue(events.size() <= 1 && !events.toString().contains("error"), events.toString());
    }

    @Test
    void unsupportedEncodingOrContentTypeIsInactive() {
        Recorder rec = new Recorder();
        LlmRequest req = new RequestInspector().inspect("/api/generate", null);
        ResponseWatcher br = ResponseWatchers.create(req, 200, OllamaStreamTest.NDJSON, "br", rec);
        assertFalse(br.isActive());
        br.onBytes(utf8(OllamaStreamTest.GENERATE), 0, 10);
        br.onEnd();
        ResponseWatcher html = ResponseWatchers.create(req, 200, "text/html", null, rec);
        assertFalse(html.isActive());
        assertFalse(ResponseWatchers.create(req, 200, OllamaStreamTest.NDJSON, null, null).isActive());
        assertEquals(List.of(), rec.events);
        assertTrue(ResponseWatchers.create(null, 200, OllamaStreamTest.NDJSON, "identity", rec).isActive());
    }

    @Test
    void byteBuffersAreObservedWithoutMovingThem() {
        byte[] data = utf8(OllamaStreamTest.GENERATE);
        for (boolean direct : new boolean[] {false, true}) {
            Recorder rec = new Recorder();
            ResponseWatcher w = generate(null).apply(rec);
            ByteBuffer buf = direct ? ByteBuffer.allocateDirect(data.length + 10) : ByteBuffer.allocate(data.length + 10);
            buf.put(new byte[5]).put(data).put(new byte[5]);
            for (int from = 5; from < 5 + data.length; from += 37) {
                int to = Math.min(from + 37, 5 + data.length);
                buf.limit(to).position(from);
                w.onBytes(direct ? buf : buf.slice());
                assertEquals(from, buf.position(), "position untouched");
                assertEquals(to, buf.limit(), "limit untouched");
                buf.limit(buf.capacity());
            }
            w.onEnd();
            assertEquals(GENERATE_EVENTS, rec.events, direct ? "direct" : "heap");
            byte[] after = new byte[data.length];
            buf.position(5);
            buf.get(after);
            assertArrayEquals(data, after);
        }
        Recorder rec = new Recorder();
        ResponseWatcher w = generate(null).apply(rec);
        w.onBytes(ByteBuffer.wrap(data).asReadOnlyBuffer());
        w.onEnd();
        assertEquals(GENERATE_EVENTS, rec.events, "read-only");
    }

    @Test
    void throwingListenerDisablesTheWatcherOnly() {
        StreamListener angry = new StreamListener() {
            @Override
            public void onFirstToken() {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onFinal(LlmResult result) {
                throw new AssertionError("must not be called after a failure");
            }

            @Override
            public void onError(String message) {
                throw new AssertionError("must not be called after a failure");
            }
        };
        ResponseWatcher w = generate(null).apply(angry);
        byte[] data = utf8(OllamaStreamTest.GENERATE);
        w.onBytes(data, 0, data.length);
        assertFalse(w.isActive());
        w.onEnd();
    }

    @Test
    void badArgumentsAreIgnored() {
        Recorder rec = new Recorder();
        ResponseWatcher w = generate(null).apply(rec);
        byte[] data = utf8(OllamaStreamTest.GENERATE);
        w.onBytes(null, 0, 5);
        w.onBytes(data, -1, 5);
        w.onBytes(data, 5, data.length);
        w.onBytes(data, data.length, 1);
        w.onBytes(data, 0, -3);
        w.onBytes((ByteBuffer) null);
        assertTrue(w.isActive());
        w.onBytes(data, 0, data.length);
        assertFalse(w.isActive(), "stops once the outcome is reported");
        w.onBytes(data, 0, data.length);
        w.onEnd();
        w.onEnd();
        assertEquals(GENERATE_EVENTS, rec.events);
    }

    @Test
    void lineSplitterHandsOnWholeLinesInPlace() {
        Recorder unused = new Recorder();
        int[] seen = new int[2];
        byte[] data = utf8("ab\ncd\n");
        LineSplitter s = new LineSplitter(16, (b, off, len) -> {
            if (b == data) {
                seen[0]++;
            } else {
                seen[1]++;
            }
        }, new Reporter(unused));
        s.accept(data, 0, data.length);
        assertEquals(2, seen[0], "no copy for lines inside one chunk");
        s.accept(data, 0, 1);
        s.accept(data, 1, 2);
        assertEquals(1, seen[1], "a line spanning chunks is buffered");
    }

    /** gzip with FEXTRA, FNAME, FCOMMENT and FHCRC set (GZIPOutputStream writes none of them). */
    private static byte[] handMadeGzip(byte[] data, boolean allFlags) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x1f);
        out.write(0x8b);
        out.write(8);
        out.write(allFlags ? 4 | 8 | 16 | 2 : 0);
        out.writeBytes(new byte[] {1, 2, 3, 4, 0, 3});
        if (allFlags) {
            out.writeBytes(new byte[] {3, 0, 'a', 'b', 'c'});
            out.writeBytes(utf8("stream.ndjson\0"));
            out.writeBytes(utf8("a comment\0"));
            out.writeBytes(new byte[] {0x12, 0x34});
        }
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(data);
        deflater.finish();
        byte[] buf = new byte[1024];
        while (!deflater.finished()) {
            out.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        CRC32 crc = new CRC32();
        crc.update(data);
        long c = crc.getValue();
        for (long v : new long[] {c, data.length}) {
            for (int i = 0; i < 4; i++) {
                out.write((int) (v >>> (8 * i)) & 0xff);
            }
        }
        return out.toByteArray();
    }
}
