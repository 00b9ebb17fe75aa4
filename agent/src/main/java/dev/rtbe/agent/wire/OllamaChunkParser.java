package dev.rtbe.agent.wire;

/**
 * One native Ollama object: a streaming NDJSON line or a whole {@code stream:false} body.
 * Output is {@code response}/{@code thinking} (generate) or {@code message.content}/
 * {@code message.thinking}/{@code message.tool_calls} (chat); {@code done:true} carries the stats;
 * an {@code error} key ends the call. A line takes effect only if all of it is valid JSON.
 */
final class OllamaChunkParser implements ChunkParser {
    private static final byte[][] TOP = JsonReader.keys("model", "response", "thinking", "message", "done",
            "done_reason", "error", "prompt_eval_count", "eval_count", "total_duration", "load_duration",
            "prompt_eval_duration", "eval_duration");
    private static final byte[][] MESSAGE = JsonReader.keys("content", "thinking", "tool_calls");

    private final JsonReader r = new JsonReader();
    private final Reporter reporter;
    /** A whole non-streaming body: its stats count even without {@code done} (e.g. /api/embed). */
    private final boolean wholeBody;
    /** Answer text of the line being parsed (content capture only), committed once it proved valid. */
    private String lineText;

    OllamaChunkParser(Reporter reporter, boolean wholeBody) {
        this.reporter = reporter;
        this.wholeBody = wholeBody;
    }

    @Override
    public boolean parse(byte[] b, int off, int len) {
        String model = null;
        String doneReason = null;
        String error = null;
        boolean output = false;
        boolean done = false;
        // Ollama omits zero metrics (omitempty), so absent means 0.
        long promptCount = 0;
        long evalCount = 0;
        long total = 0;
        long load = 0;
        long promptDuration = 0;
        long evalDuration = 0;
        lineText = null;
        try {
            r.reset(b, off, len).beginObject();
            while (r.hasNext()) {
                switch (r.nextName(TOP)) {
                    case 0:
                        if (reporter.model == null) {
                            model = r.optString(); // it repeats on every line; decode it once
                        } else {
                            r.skipValue();
                        }
                        break;
                    case 1:
                        output |= text();
                        break;
                    case 2:
                        output |= r.optNonEmptyString();
                        break;
                    case 3:
                        output |= message();
                        break;
                    case 4:
                        done = r.optTrue();
                        break;
                    case 5:
                        doneReason = r.optString();
                        break;
                    case 6:
                        error = ErrorBody.read(r);
                        break;
                    case 7:
                        promptCount = r.optLong(0);
                        break;
                    case 8:
                        evalCount = r.optLong(0);
                        break;
                    case 9:
                        total = r.optLong(0);
                        break;
                    case 10:
                        load = r.optLong(0);
                        break;
                    case 11:
                        promptDuration = r.optLong(0);
                        break;
                    case 12:
                        evalDuration = r.optLong(0);
                        break;
                    default:
                        r.skipValue(); // created_at, context, logprobs, ...
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
        if (output) {
            reporter.firstToken();
        }
        reporter.appendText(lineText);
        if (done || wholeBody) {
            reporter.finishReason = doneReason == null || doneReason.isEmpty() ? null : doneReason;
            reporter.inputTokens = promptCount;
            reporter.outputTokens = evalCount;
            reporter.totalDuration = total;
            reporter.loadDuration = load;
            reporter.promptEvalDuration = promptDuration;
            reporter.evalDuration = evalDuration;
            if (done) {
                reporter.complete();
            }
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
        lineText = s;
        return true;
    }

    /** True when the chat message carries output. */
    private boolean message() throws JsonException {
        if (r.peek() != JsonReader.Token.BEGIN_OBJECT) {
            r.skipValue();
            return false;
        }
        boolean output = false;
        r.beginObject();
        while (r.hasNext()) {
            switch (r.nextName(MESSAGE)) {
                case 0:
                    output |= text();
                    break;
                case 1:
                    output |= r.optNonEmptyString();
                    break;
                case 2:
                    output |= r.optNonEmptyArray();
                    break;
                default:
                    r.skipValue();
                    break;
            }
        }
        r.endObject();
        return output;
    }
}
