package dev.rtbe.agent.wire;

/**
 * One OpenAI-compatible object: an SSE {@code chat.completion.chunk}/{@code text_completion}
 * payload, or a whole non-streaming {@code chat.completion}/{@code text_completion} body.
 * Output is a non-empty {@code content}, {@code reasoning_content}, {@code reasoning} or
 * {@code tool_calls} in {@code choices[].delta} (or {@code .message}), or {@code choices[].text}.
 * Finish reason and usage may arrive on separate chunks, so they accumulate; the call completes
 * at {@code [DONE]} (streams) or at end of body.
 */
final class OpenAiChunkParser implements ChunkParser {
    private static final byte[][] TOP = JsonReader.keys("model", "choices", "usage", "error");
    private static final byte[][] CHOICE = JsonReader.keys("delta", "message", "text", "finish_reason");
    private static final byte[][] DELTA = JsonReader.keys("content", "reasoning_content", "reasoning", "tool_calls");
    private static final byte[][] USAGE = JsonReader.keys("prompt_tokens", "completion_tokens");
    private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};

    private final JsonReader r = new JsonReader();
    private final Reporter reporter;
    // Scratch for one parse; committed only once the whole chunk proved valid.
    private boolean output;
    private String finishReason;
    private StringBuilder chunkText;

    OpenAiChunkParser(Reporter reporter) {
        this.reporter = reporter;
    }

    @Override
    public boolean parse(byte[] b, int off, int len) {
        if (isDone(b, off, len)) {
            reporter.complete();
            return true;
        }
        String model = null;
        String error = null;
        long promptTokens = LlmResult.UNKNOWN;
        long completionTokens = LlmResult.UNKNOWN;
        output = false;
        finishReason = null;
        chunkText = null;
        try {
            r.reset(b, off, len).beginObject();
            while (r.hasNext()) {
                switch (r.nextName(TOP)) {
                    case 0:
                        if (reporter.model == null) {
                            model = r.optString(); // it repeats on every chunk; decode it once
                        } else {
                            r.skipValue();
                        }
                        break;
                    case 1:
                        choices();
                        break;
                    case 2:
                        if (r.peek() != JsonReader.Token.BEGIN_OBJECT) {
                            r.skipValue();
                            break;
                        }
                        r.beginObject();
                        while (r.hasNext()) {
                            int k = r.nextName(USAGE);
                            if (k == 0) {
                                promptTokens = r.optLong(LlmResult.UNKNOWN);
                            } else if (k == 1) {
                                completionTokens = r.optLong(LlmResult.UNKNOWN);
                            } else {
                                r.skipValue();
                            }
                        }
                        r.endObject();
                        break;
                    case 3:
                        error = ErrorBody.read(r);
                        break;
                    default:
                        r.skipValue();
                        break;
                }
            }
            r.endObject();
            r.endDocument();
        } catch (JsonException e) {
            return false;
        }
        if (error != null) {
            reporter.fail(error);
            return true;
        }
        if (model != null && !model.isEmpty()) {
            reporter.model = model;
        }
        if (finishReason != null) {
            reporter.finishReason = finishReason;
        }
        // Completions streams send a zeroed usage on every chunk; the last one is the real one.
        if (promptTokens != LlmResult.UNKNOWN) {
            reporter.inputTokens = promptTokens;
        }
        if (completionTokens != LlmResult.UNKNOWN) {
            reporter.outputTokens = completionTokens;
        }
        if (output) {
            reporter.firstToken();
        }
        if (chunkText != null) {
            reporter.appendText(chunkText.toString());
        }
        return true;
    }

    /** An answer string: true when non-empty; decoded only when the reporter collects text. */
    private boolean text() throws JsonException {
        if (!reporter.collectsText()) {
            return r.optNonEmptyString();
        }
        String s = r.optString();
        if (s == null || s.isEmpty()) {
            return false;
        }
        if (chunkText == null) {
            chunkText = new StringBuilder();
        }
        chunkText.append(s);
        return true;
    }

    private void choices() throws JsonException {
        if (r.peek() != JsonReader.Token.BEGIN_ARRAY) {
            r.skipValue();
            return;
        }
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != JsonReader.Token.BEGIN_OBJECT) {
                r.skipValue();
                continue;
            }
            r.beginObject();
            while (r.hasNext()) {
                switch (r.nextName(CHOICE)) {
                    case 0:
                    case 1:
                        output |= delta();
                        break;
                    case 2:
                        output |= text();
                        break;
                    case 3:
                        String reason = r.optString(); // null for "finish_reason": null
                        if (finishReason == null && reason != null && !reason.isEmpty()) {
                            finishReason = reason;
                        }
                        break;
                    default:
                        r.skipValue();
                        break;
                }
            }
            r.endObject();
        }
        r.endArray();
    }

    private boolean delta() throws JsonException {
        if (r.peek() != JsonReader.Token.BEGIN_OBJECT) {
            r.skipValue();
            return false;
        }
        boolean out = false;
        r.beginObject();
        while (r.hasNext()) {
            switch (r.nextName(DELTA)) {
                case 0:
                    out |= text();
                    break;
                case 1:
                case 2:
                    out |= r.optNonEmptyString();
                    break;
                case 3:
                    out |= r.optNonEmptyArray();
                    break;
                default:
                    r.skipValue();
                    break;
            }
        }
        r.endObject();
        return out;
    }

    private static boolean isDone(byte[] b, int off, int len) {
        int end = off + len;
        while (off < end && b[off] == ' ') {
            off++;
        }
        while (end > off && (b[end - 1] == ' ' || b[end - 1] == '\r')) {
            end--;
        }
        if (end - off != DONE.length) {
            return false;
        }
        for (int i = 0; i < DONE.length; i++) {
            if (b[off + i] != DONE[i]) {
                return false;
            }
        }
        return true;
    }
}
