package dev.rtbe.agent.resume;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A non-streaming chat request that the agent may send as a stream under the hood and, once
 * preempted, continue from its partial output (see README "Resumable preemption"). Only requests
 * whose continuation is as valid as an uninterrupted generation qualify: {@code /api/chat} with
 * {@code "stream": false} or {@code /v1/chat/completions} without streaming, plain text answers
 * (no structured output, tools, thinking or log-probabilities, one choice), no stop sequences (one
 * could straddle the join and go unseen), no seed (a seeded answer must come out the same), and no
 * trailing assistant message of the application's own. Everything else goes out as it is.
 */
public final class ResumableRequest {
    /** The two chat routes a trailing assistant message is continued on. */
    public enum Api { OLLAMA_CHAT, OPENAI_CHAT }

    private final Api api;
    private final Map<String, Object> body;

    private ResumableRequest(Api api, Map<String, Object> body) {
        this.api = api;
        this.body = body;
    }

    /** The request when it qualifies, else null; never throws. */
    public static ResumableRequest of(String path, byte[] body) {
        Api api = apiOf(path);
        if (api == null || body == null) {
            return null;
        }
        Map<String, Object> m;
        try {
            m = Json.object(Json.parse(body));
        } catch (Json.ParseException | RuntimeException e) {
            return null;
        }
        return m != null && qualifies(api, m) ? new ResumableRequest(api, m) : null;
    }

    private static Api apiOf(String path) {
        if (path == null) {
            return null;
        }
        String p = path;
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.endsWith("/api/chat")) {
            return Api.OLLAMA_CHAT;
        }
        return p.endsWith("/v1/chat/completions") ? Api.OPENAI_CHAT : null;
    }

    private static boolean qualifies(Api api, Map<String, Object> m) {
        Object stream = m.get("stream");
        boolean notStreaming = api == Api.OLLAMA_CHAT ? Boolean.FALSE.equals(stream)
                : stream == null || Boolean.FALSE.equals(stream);
        if (!notStreaming || !(m.get("model") instanceof String)) {
            return false;
        }
        Object messages = m.get("messages");
        if (!(messages instanceof List) || ((List<?>) messages).isEmpty()) {
            return false;
        }
        Map<String, Object> last = Json.object(((List<?>) messages).get(((List<?>) messages).size() - 1));
        if (last == null || "assistant".equals(last.get("role"))) {
            return false; // the application's own prefill: ours would be a second assistant message
        }
        if (present(m, "format") || present(m, "response_format") || present(m, "tools") || present(m, "functions")
                || present(m, "logprobs") || present(m, "top_logprobs") || present(m, "stop") || present(m, "seed")
                || present(m, "reasoning_effort") || present(m, "reasoning")) {
            return false;
        }
        if (api == Api.OLLAMA_CHAT && m.containsKey("think") && !Boolean.FALSE.equals(m.get("think"))
                && m.get("think") != null) {
            return false;
        }
        if (api == Api.OPENAI_CHAT && m.get("n") instanceof Json.Num && ((Json.Num) m.get("n")).asLong(1) != 1) {
            return false;
        }
        Map<String, Object> options = Json.object(m.get("options"));
        if (options != null && (present(options, "stop") || present(options, "seed"))) {
            return false;
        }
        Object limit = limit(api, m);
        Object completionLimit = m.get("max_completion_tokens"); // ignored by Ollama, honoured by others
        return validLimit(limit) && (api == Api.OLLAMA_CHAT || validLimit(completionLimit));
    }

    private static boolean validLimit(Object limit) {
        return limit == null || limit instanceof Json.Num && ((Json.Num) limit).asLong(-2) >= -1;
    }

    /** Present with a value that means something: not null, not false, not an empty string, list or object. */
    private static boolean present(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null || Boolean.FALSE.equals(v)) {
            return false;
        }
        if (v instanceof String) {
            return !((String) v).isEmpty();
        }
        if (v instanceof List) {
            return !((List<?>) v).isEmpty();
        }
        return !(v instanceof Map) || !((Map<?, ?>) v).isEmpty();
    }

    /** Reduces the limit {@code field} (when set, and not negative: no limit) by {@code by}; false when none is left. */
    private static boolean reduce(Map<String, Object> m, String field, long by) {
        Object limit = m.get(field);
        long n = limit instanceof Json.Num ? ((Json.Num) limit).asLong(-1) : -1;
        if (n < 0) {
            return true;
        }
        if (n - by <= 0) {
            return false;
        }
        m.put(field, Json.Num.of(n - by));
        return true;
    }

    /** The output-token limit as written: {@code options.num_predict} or {@code max_tokens}; null when none. */
    private static Object limit(Api api, Map<String, Object> m) {
        if (api == Api.OPENAI_CHAT) {
            return m.get("max_tokens");
        }
        Map<String, Object> options = Json.object(m.get("options"));
        return options == null ? null : options.get("num_predict");
    }

    public Api api() {
        return api;
    }

    /** The parser for this request's stream. */
    public ChatStream newStream() {
        return api == Api.OLLAMA_CHAT ? new OllamaChatStream() : new OpenAiChatStream();
    }

    /** The request as a stream: {@code "stream": true}, and on the OpenAI route usage in the stream. */
    public byte[] streaming() {
        return Json.bytes(streamingBody());
    }

    private Map<String, Object> streamingBody() {
        Map<String, Object> m = new LinkedHashMap<>(body);
        m.put("stream", Boolean.TRUE);
        if (api == Api.OPENAI_CHAT) {
            Map<String, Object> usage = new LinkedHashMap<>();
            usage.put("include_usage", Boolean.TRUE);
            m.put("stream_options", usage);
        }
        return m;
    }

    /**
     * The streaming request that continues {@code kept}, the output so far ({@code keptTokens}
     * tokens of it): the same messages and one more, the assistant's, with the output limit reduced
     * by what was generated. Null when the limit is used up (nothing would be left to generate).
     */
    public byte[] continuation(String kept, long keptTokens) {
        Map<String, Object> m = streamingBody();
        if (api == Api.OPENAI_CHAT) {
            if (!reduce(m, "max_tokens", keptTokens) || !reduce(m, "max_completion_tokens", keptTokens)) {
                return null;
            }
        } else if (Json.object(m.get("options")) != null) {
            Map<String, Object> options = new LinkedHashMap<>(Json.object(m.get("options")));
            if (!reduce(options, "num_predict", keptTokens)) {
                return null;
            }
            m.put("options", options);
        }
        List<Object> messages = new ArrayList<>((List<?>) m.get("messages"));
        Map<String, Object> assistant = new LinkedHashMap<>();
        assistant.put("role", "assistant");
        assistant.put("content", kept);
        messages.add(assistant);
        m.put("messages", messages);
        return Json.bytes(m);
    }
}
