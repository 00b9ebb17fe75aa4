package dev.rtbe.agent.wire;

import java.util.Locale;

/**
 * Picks the right {@link ResponseWatcher} for a response from the request's API style and stream
 * flag, the HTTP status and the response headers.
 *
 * <ul>
 *   <li>status &ge; 400: the body is an error; its message is reported via {@code onError}.</li>
 *   <li>{@code application/x-ndjson}: native Ollama stream, one JSON object per line.</li>
 *   <li>{@code text/event-stream}: OpenAI-compatible SSE stream.</li>
 *   <li>{@code application/json}: one non-streaming body. Its first token is defined as the
 *       arrival of the body's first byte: the server sends nothing until generation is over,
 *       so that is the earliest moment any output is visible to the application.</li>
 *   <li>no Content-Type: decided by {@link LlmRequest#stream()}; any other type is not watched.</li>
 * </ul>
 * {@code Content-Encoding: gzip} (when the application sees compressed bytes) is decoded inside
 * the watcher; any other encoding yields an inactive watcher.
 */
public final class ResponseWatchers {
    public static final int DEFAULT_MAX_LINE_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

    private ResponseWatchers() {
    }

    public static ResponseWatcher create(LlmRequest request, int httpStatus, String contentType,
                                         String contentEncoding, StreamListener listener) {
        return create(request, httpStatus, contentType, contentEncoding, listener,
                DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_BODY_BYTES, 0);
    }

    public static ResponseWatcher create(LlmRequest request, int httpStatus, String contentType,
                                         String contentEncoding, StreamListener listener,
                                         int maxLineBytes, int maxBodyBytes) {
        return create(request, httpStatus, contentType, contentEncoding, listener, maxLineBytes, maxBodyBytes, 0);
    }

    /**
     * @param maxLineBytes cap on one NDJSON line or SSE event; longer ones are skipped
     * @param maxBodyBytes cap on a non-streaming or error body; a larger body is not parsed
     * @param maxTextChars when positive, the answer text is collected (up to this many chars) and
     *                     handed over in {@link LlmResult#outputText()}: content capture only
     */
    public static ResponseWatcher create(LlmRequest request, int httpStatus, String contentType,
                                         String contentEncoding, StreamListener listener,
                                         int maxLineBytes, int maxBodyBytes, int maxTextChars) {
        try {
            return build(request, httpStatus, contentType, contentEncoding, listener, maxLineBytes, maxBodyBytes,
                    maxTextChars);
        } catch (RuntimeException e) {
            return ResponseWatcher.inactive();
        }
    }

    private static ResponseWatcher build(LlmRequest request, int httpStatus, String contentType,
                                         String contentEncoding, StreamListener listener,
                                         int maxLineBytes, int maxBodyBytes, int maxTextChars) {
        String encoding = token(contentEncoding);
        boolean gzip = "gzip".equals(encoding) || "x-gzip".equals(encoding);
        if (listener == null || !(encoding == null || gzip || "identity".equals(encoding))) {
            return ResponseWatcher.inactive();
        }
        ApiStyle style = request == null ? ApiStyle.UNKNOWN : request.apiStyle();
        boolean stream = request != null && request.stream();
        Reporter reporter = new Reporter(listener, maxTextChars);
        ByteSink sink;
        boolean firstByte = false;
        boolean requiresFinal = false;
        String type = token(contentType);
        if (httpStatus >= 400) {
            sink = new ErrorBody(maxBodyBytes, httpStatus, reporter);
        } else if ("application/x-ndjson".equals(type) || "application/ndjson".equals(type)
                || (type == null && stream && style != ApiStyle.OPENAI)) {
            ChunkParser parser = style == ApiStyle.OPENAI ? new OpenAiChunkParser(reporter) : new OllamaChunkParser(reporter, false);
            sink = new LineSplitter(maxLineBytes, parser, reporter);
            requiresFinal = true;
        } else if ("text/event-stream".equals(type) || (type == null && stream)) {
            SseDecoder events = new SseDecoder(maxLineBytes, new OpenAiChunkParser(reporter), reporter);
            sink = new LineSplitter(maxLineBytes, events, reporter);
            requiresFinal = true;
        } else if ("application/json".equals(type) || type == null) {
            ChunkParser parser = style == ApiStyle.OPENAI ? new OpenAiChunkParser(reporter) : new OllamaChunkParser(reporter, true);
            sink = new SingleBody(maxBodyBytes, parser, reporter);
            firstByte = true;
        } else {
            return ResponseWatcher.inactive();
        }
        if (gzip) {
            sink = new GzipDecoder(sink);
        }
        return new ResponseWatcher(sink, reporter, firstByte, requiresFinal);
    }

    /** The lower-cased value before any {@code ;} parameters, or null when blank. */
    private static String token(String header) {
        if (header == null) {
            return null;
        }
        int semi = header.indexOf(';');
        String t = (semi >= 0 ? header.substring(0, semi) : header).trim().toLowerCase(Locale.ROOT);
        return t.isEmpty() ? null : t;
    }
}
