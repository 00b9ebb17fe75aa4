package dev.rtbe.simulator;

import java.util.LinkedHashMap;
import java.util.Map;

/** Native Ollama bodies for /api/generate and /api/chat (NDJSON stream, single JSON, {"error": ...}). */
final class OllamaFormats {
    private OllamaFormats() {}

    static WireFormat generate(String model, boolean omitZeroMetrics) {
        return new Native(false, model, omitZeroMetrics);
    }

    static WireFormat chat(String model, boolean omitZeroMetrics) {
        return new Native(true, model, omitZeroMetrics);
    }

    static byte[] error(String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        return Frames.json(m);
    }

    private static final class Native implements WireFormat {
        private final boolean chat;
        private final boolean omitZero;

        private String model;

        Native(boolean chat, String model, boolean omitZero) {
            this.chat = chat;
            this.model = model;
            this.omitZero = omitZero;
        }

        @Override
        public String streamContentType() {
            return Frames.NDJSON;
        }

        @Override
        public byte[] tokenFrame(String delta, int index) {
            return Frames.ndjson(chunk(null, delta, false));
        }

        @Override
        public byte[] finalFrames(GenerationStats s) {
            return Frames.ndjson(withStats(chunk(s.model(), "", true), s));
        }

        @Override
        public byte[] singleBody(String text, GenerationStats s) {
            return Frames.json(withStats(chunk(s.model(), text, true), s));
        }

        @Override
        public byte[] loadBody(String model) {
            Map<String, Object> m = chunk(model, "", true);
            m.put("done_reason", "load");
            return Frames.json(m);
        }

        @Override
        public byte[] errorBody(int status, String message) {
            return error(message);
        }

        private Map<String, Object> chunk(String modelName, String content, boolean done) {
            if (modelName != null) model = modelName;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model);
            m.put("created_at", Frames.createdAt());
            if (chat) {
                Map<String, Object> msg = new LinkedHashMap<>();
                msg.put("role", "assistant");
                msg.put("content", content);
                m.put("message", msg);
            } else {
                m.put("response", content);
            }
            m.put("done", done);
            return m;
        }

        private Map<String, Object> withStats(Map<String, Object> m, GenerationStats s) {
            m.put("done_reason", s.doneReason());
            metric(m, "total_duration", s.totalNanos());
            metric(m, "load_duration", s.loadNanos());
            metric(m, "prompt_eval_count", s.promptTokens());
            metric(m, "prompt_eval_duration", s.promptEvalNanos());
            metric(m, "eval_count", s.evalCount());
            metric(m, "eval_duration", s.evalNanos());
            return m;
        }

        private void metric(Map<String, Object> m, String name, long value) {
            if (value != 0 || !omitZero) m.put(name, value);
        }
    }
}
