package dev.rtbe.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the simulator needs from an embedding request: the model as sent, the texts to embed (none = only load the
 * model, as Ollama does for an empty input), the OpenAI encoding, and the prefill override header.
 */
record EmbeddingRequest(String model, List<String> inputs, boolean base64, Double prefillOverrideMs) {

    static EmbeddingRequest parse(EmbeddingEndpoint ep, HttpRequestData req) throws GenerationRequest.Invalid {
        String text = req.bodyText();
        if (text.isBlank()) throw new GenerationRequest.Invalid("missing request body");
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (Json.ParseException e) {
            throw new GenerationRequest.Invalid(e.getMessage());
        }
        if (!(parsed instanceof Map)) throw new GenerationRequest.Invalid("json: cannot unmarshal non-object into request");
        Map<?, ?> body = (Map<?, ?>) parsed;

        Object model = body.get("model");
        if (!(model instanceof String) || ((String) model).isBlank()) throw new GenerationRequest.Invalid("model is required");

        List<String> inputs;
        boolean base64 = false;
        switch (ep) {
            case EMBED:
                inputs = embedInput(body.get("input"));
                break;
            case EMBEDDINGS:
                Object p = body.get("prompt");
                if (p != null && !(p instanceof String)) {
                    throw new GenerationRequest.Invalid("json: cannot unmarshal " + Json.write(p) + " into field prompt of type string");
                }
                inputs = p == null || ((String) p).isEmpty() ? List.of() : List.of((String) p);
                break;
            default:
                inputs = openAiInput(body.get("input"));
                Object f = body.get("encoding_format");
                if (f != null && !"float".equals(f) && !"base64".equals(f)) {
                    throw new GenerationRequest.Invalid("invalid encoding_format " + Json.write(f) + ": float or base64");
                }
                base64 = "base64".equals(f);
        }
        return new EmbeddingRequest((String) model, inputs, base64,
                GenerationRequest.headerMs(req, SimHeaders.PREFILL_MS));
    }

    /** Ollama's /api/embed: an empty string or no input loads the model only; a list must hold strings. */
    private static List<String> embedInput(Object input) throws GenerationRequest.Invalid {
        if (input == null) return List.of();
        if (input instanceof String) return ((String) input).isEmpty() ? List.of() : List.of((String) input);
        if (input instanceof List) return strings((List<?>) input, "invalid input type");
        throw new GenerationRequest.Invalid("invalid input type");
    }

    /** Ollama's OpenAI middleware: a string or a non-empty list of strings. */
    private static List<String> openAiInput(Object input) throws GenerationRequest.Invalid {
        if (input instanceof String) return List.of((String) input);
        if (input instanceof List && !((List<?>) input).isEmpty()) return strings((List<?>) input, "invalid input");
        throw new GenerationRequest.Invalid("invalid input");
    }

    private static List<String> strings(List<?> list, String error) throws GenerationRequest.Invalid {
        List<String> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof String)) throw new GenerationRequest.Invalid(error);
            out.add((String) o);
        }
        return out;
    }
}
