package dev.rtbe.simulator;

import java.util.List;
import java.util.Map;

/**
 * What the simulator needs from a generation request body and its override headers. The text is tokens
 * {@code firstToken .. firstToken + outputTokens - 1} of the answer drawn from {@code textSeed}: a chat whose last
 * message is the assistant's partial output of that answer continues it (see docs/ollama-continuation.md).
 */
record GenerationRequest(
        String model,
        boolean stream,
        String promptText,
        boolean loadOnly,
        int textSeed,
        int firstToken,
        int outputTokens,
        boolean lengthLimited,
        boolean includeUsage,
        Double prefillOverrideMs,
        Double genOverrideMs,
        String hold,
        Pause pause) {
    /** Where the generation waits at a gate part-way ({@link SimHeaders#PAUSE}): after the answer's first tokens. */
    record Pause(String gate, int afterTokens) {}

    /** A 400 answer with Ollama's message. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static GenerationRequest parse(Endpoint ep, HttpRequestData req, SimulatorConfig cfg) throws Invalid {
        String text = req.bodyText();
        if (text.isBlank()) throw new Invalid("missing request body");
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (Json.ParseException e) {
            throw new Invalid(e.getMessage());
        }
        if (!(parsed instanceof Map)) throw new Invalid("json: cannot unmarshal non-object into request");
        Map<?, ?> body = (Map<?, ?>) parsed;

        Object model = body.get("model");
        if (!(model instanceof String) || ((String) model).isBlank()) throw new Invalid("model is required");

        boolean stream = ep.streamByDefault;
        Object s = body.get("stream");
        if (s != null) {
            if (!(s instanceof Boolean)) throw new Invalid("json: cannot unmarshal " + s + " into field stream of type bool");
            stream = (Boolean) s;
        }

        String prompt;
        String before = "";
        String partial = null;
        boolean loadOnly;
        Integer numPredict;
        boolean includeUsage = false;
        if (ep == Endpoint.GENERATE) {
            String p = string(body.get("prompt"));
            loadOnly = p.isEmpty();
            prompt = join(string(body.get("system")), p);
            numPredict = positiveInt(map(body.get("options")).get("num_predict"));
        } else {
            List<?> messages = body.get("messages") instanceof List ? (List<?>) body.get("messages") : List.of();
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < messages.size(); i++) {
                Map<?, ?> m = map(messages.get(i));
                String c = content(m.get("content"));
                // A trailing assistant message is output to continue, as Ollama's templates and llama-server's
                // prefill leave it open: the answer is drawn from the messages before it.
                if (i == messages.size() - 1 && "assistant".equals(m.get("role"))) partial = c;
                else sb.append(c).append('\n');
            }
            before = sb.toString();
            prompt = partial == null ? before : before + partial + "\n";
            loadOnly = ep == Endpoint.CHAT && messages.isEmpty();
            if (ep == Endpoint.CHAT) {
                numPredict = positiveInt(map(body.get("options")).get("num_predict"));
            } else {
                Integer mt = positiveInt(body.get("max_tokens"));
                numPredict = mt != null ? mt : positiveInt(body.get("max_completion_tokens"));
                includeUsage = Boolean.TRUE.equals(map(body.get("stream_options")).get("include_usage"));
            }
        }

        // The partial output of this request's answer continues it; any other trailing assistant text makes a new
        // answer from the whole conversation.
        int seed = TextGenerator.seed(prompt);
        int firstToken = 0;
        if (partial != null) {
            int beforeSeed = TextGenerator.seed(before);
            int covered = TextGenerator.prefixTokens(beforeSeed, partial);
            if (covered >= 0) {
                seed = beforeSeed;
                firstToken = covered;
            }
        }

        // The header and the configured length count the whole answer; num_predict counts new tokens only.
        Integer headerTokens = headerInt(req, SimHeaders.OUTPUT_TOKENS);
        int outputTokens = headerTokens != null ? Math.max(0, headerTokens - firstToken)
                : numPredict != null ? numPredict : Math.max(0, cfg.outputTokens() - firstToken);
        boolean lengthLimited = headerTokens == null && numPredict != null;
        return new GenerationRequest((String) model, stream, prompt, loadOnly, seed, firstToken, outputTokens, lengthLimited,
                includeUsage, headerMs(req, SimHeaders.PREFILL_MS), headerMs(req, SimHeaders.GEN_MS),
                req.header(SimHeaders.HOLD), pause(req));
    }

    private static String join(String system, String prompt) {
        return system.isEmpty() ? prompt : system + "\n" + prompt;
    }

    private static String string(Object o) {
        return o instanceof String ? (String) o : "";
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map ? (Map<?, ?>) o : Map.of();
    }

    /** Message content: a string, or OpenAI content parts whose text parts are concatenated. */
    private static String content(Object c) {
        if (c instanceof String) return (String) c;
        if (!(c instanceof List)) return "";
        StringBuilder sb = new StringBuilder();
        for (Object part : (List<?>) c) sb.append(string(map(part).get("text")));
        return sb.toString();
    }

    /** num_predict &lt;= 0 (Ollama's "unlimited" -1 / "fill context" -2) falls back to the configured length. */
    private static Integer positiveInt(Object o) {
        if (!(o instanceof Number)) return null;
        long v = ((Number) o).longValue();
        return v > 0 ? (int) Math.min(v, 1_000_000) : null;
    }

    static Double headerMs(HttpRequestData req, String name) throws Invalid {
        String v = req.header(name);
        if (v == null) return null;
        try {
            double ms = Double.parseDouble(v.trim());
            if (ms < 0 || Double.isNaN(ms) || Double.isInfinite(ms)) throw new NumberFormatException();
            return ms;
        } catch (NumberFormatException e) {
            throw new Invalid("invalid " + name + " header: " + v);
        }
    }

    private static Pause pause(HttpRequestData req) throws Invalid {
        String v = req.header(SimHeaders.PAUSE);
        if (v == null) return null;
        int colon = v.lastIndexOf(':');
        try {
            int tokens = Integer.parseInt(v.substring(colon + 1).trim());
            if (colon < 1 || tokens < 1) throw new NumberFormatException();
            return new Pause(v.substring(0, colon).trim(), tokens);
        } catch (NumberFormatException e) {
            throw new Invalid("invalid " + SimHeaders.PAUSE + " header (expected <gate>:<tokens>): " + v);
        }
    }

    private static Integer headerInt(HttpRequestData req, String name) throws Invalid {
        String v = req.header(name);
        if (v == null) return null;
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 1) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new Invalid("invalid " + name + " header: " + v);
        }
    }
}
