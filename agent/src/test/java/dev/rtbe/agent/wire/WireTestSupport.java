package dev.rtbe.agent.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;

/** Feeding helpers shared by the watcher tests. */
final class WireTestSupport {
    private WireTestSupport() {
    }

    /** Records callbacks as strings so whole runs can be compared. */
    static final class Recorder implements StreamListener {
        final List<String> events = new ArrayList<>();
        LlmResult result;

        @Override
        public void onFirstToken() {
            events.add("first");
        }

        @Override
        public void onFinal(LlmResult r) {
            result = r;
            events.add("final " + r);
        }

        @Override
        public void onError(String message) {
            events.add("error " + message);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Function<StreamListener, ResponseWatcher> watcher(String path, String requestBody, int status,
                                                             String contentType, String encoding) {
        LlmRequest req = new RequestInspector().inspect(path, requestBody == null ? null : utf8(requestBody));
        return l -> ResponseWatchers.create(req, status, contentType, encoding, l);
    }

    /** Feeds {@code data} cut at the given offsets, then ends; checks the bytes were not touched. */
    static List<String> feed(Function<StreamListener, ResponseWatcher> factory, byte[] data, int... cuts) {
        byte[] original = data.clone();
        Recorder rec = new Recorder();
        ResponseWatcher w = factory.apply(rec);
        int from = 0;
        for (int cut : cuts) {
            w.onBytes(data, from, cut - from);
            from = cut;
        }
        w.onBytes(data, from, data.length - from);
        w.onEnd();
        assertArrayEquals(original, data, "the application's bytes must not change");
        return rec.events;
    }

    static List<String> feedByteAtATime(Function<StreamListener, ResponseWatcher> factory, byte[] data) {
        Recorder rec = new Recorder();
        ResponseWatcher w = factory.apply(rec);
        byte[] one = new byte[1];
        for (byte b : data) {
            one[0] = b;
            w.onBytes(one, 0, 1);
        }
        w.onEnd();
        return rec.events;
    }

    /** Number of bytes fed (one at a time) when onFirstToken fired, or -1. */
    static int firstTokenAfter(Function<StreamListener, ResponseWatcher> factory, byte[] data) {
        Recorder rec = new Recorder();
        ResponseWatcher w = factory.apply(rec);
        for (int i = 0; i < data.length; i++) {
            w.onBytes(data, i, 1);
            if (rec.events.contains("first")) {
                return i + 1;
            }
        }
        return -1;
    }

    /**
     * Every two-piece split, three-piece splits (all of them for short inputs, a seeded sample
     * otherwise) and byte-at-a-time feeding must all give the one-piece result.
     */
    static List<String> assertSplitInvariant(Function<StreamListener, ResponseWatcher> factory, byte[] data) {
        List<String> whole = feed(factory, data);
        for (int i = 0; i <= data.length; i++) {
            assertEquals(whole, feed(factory, data, i), "split at " + i);
        }
        int n = data.length;
        if (n <= 200) {
            for (int i = 0; i <= n; i++) {
                for (int j = i; j <= n; j++) {
                    assertEquals(whole, feed(factory, data, i, j), "split at " + i + "," + j);
                }
            }
        } else {
            Random random = new Random(42);
            for (int k = 0; k < 4000; k++) {
                int i = random.nextInt(n + 1);
                int j = i + random.nextInt(n - i + 1);
                assertEquals(whole, feed(factory, data, i, j), "split at " + i + "," + j);
            }
        }
        assertEquals(whole, feedByteAtATime(factory, data), "byte at a time");
        return whole;
    }

    static byte[] gzip(byte[] data) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
                gz.write(data);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Index just past the first occurrence of {@code needle}. */
    static int endOf(byte[] data, String needle) {
        byte[] n = utf8(needle);
        outer:
        for (int i = 0; i + n.length <= data.length; i++) {
            for (int k = 0; k < n.length; k++) {
                if (data[i + k] != n[k]) {
                    continue outer;
                }
            }
            return i + n.length;
        }
        throw new AssertionError("not found: " + needle);
    }
}
