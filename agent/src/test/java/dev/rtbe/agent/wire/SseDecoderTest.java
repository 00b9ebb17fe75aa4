package dev.rtbe.agent.wire;

import static dev.rtbe.agent.wire.WireTestSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseDecoderTest {

    private static List<String> events(String stream, int maxData) {
        List<String> out = new ArrayList<>();
        SseDecoder sse = new SseDecoder(maxData,
                (b, off, len) -> out.add(new String(b, off, len, StandardCharsets.UTF_8)),
                new Reporter(new WireTestSupport.Recorder()));
        LineSplitter lines = new LineSplitter(1024, sse, new Reporter(new WireTestSupport.Recorder()));
        byte[] data = utf8(stream);
        lines.accept(data, 0, data.length);
        lines.end();
        return out;
    }

    @Test
    void fieldSyntax() {
        assertEquals(List.of("x", " x", "", "a\nb\n"),
                events("data:x\n\ndata:  x\n\ndata\n\ndata: a\r\ndata:b\ndata:\n\n", 64));
    }

    @Test
    void commentsOtherFieldsAndEmptyEvents() {
        assertEquals(List.of("1"), events(": hi\n\nevent: e\nid: 7\n\ndatum: no\ndata: 1\n\n\n", 64));
    }

    @Test
    void oversizeEventIsDroppedAndTheNextOneSurvives() {
        assertEquals(List.of("ok", "tail"), events("data: 0123456789\ndata: 0123456789\n\ndata: ok\n\ndata: tail", 16));
    }
}
