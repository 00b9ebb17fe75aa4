package dev.rtbe.agent.wire;

/**
 * Classifies a request from its path and (bounded) JSON body. Never throws: anything it cannot
 * read is reported as unknown. Stateless and thread-safe.
 */
public final class RequestInspector {
    public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

    private static final byte[][] KEYS = JsonReader.keys("model", "stream", "messages", "prompt", "input");
    private static final int MODEL = 0;
    private static final int STREAM = 1;
    private static final int MESSAGES = 2;
    private static final int PROMPT = 3;
    private static final int INPUT = 4;

    private final int maxBodyBytes;
    private final int maxContentBytes;

    public RequestInspector() {
        this(DEFAULT_MAX_BODY_BYTES);
    }

    public RequestInspector(int maxBodyBytes) {
        this(maxBodyBytes, 0);
    }

    /**
     * @param maxContentBytes when positive, the prompt or messages are kept (at most this many
     *                        bytes of their JSON text) for telemetry; 0 never keeps them
     */
    public RequestInspector(int maxBodyBytes, int maxContentBytes) {
        this.maxBodyBytes = Math.max(0, maxBodyBytes);
        this.maxContentBytes = Math.max(0, maxContentBytes);
    }

    /** Bodies longer than this are not parsed. */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    public LlmRequest inspect(String path, byte[] body) {
        return inspect(path, body, 0, body == null ? 0 : body.length);
    }

    /** @param body the request body, or null when unknown; only {@code body[off, off+len)} is read */
    public LlmRequest inspect(String path, byte[] body, int off, int len) {
        String route = normalize(path);
        ApiStyle style = styleOf(route);
        String operation = operationOf(route);
        boolean streams = canStream(route);
        boolean streamDefault = style == ApiStyle.OLLAMA && streams; // Ollama streams unless told not to
        if (body == null || off < 0 || len <= 0 || off > body.length - len || len > maxBodyBytes) {
            return new LlmRequest(style, operation, null, streamDefault, false);
        }
        JsonReader r = new JsonReader().reset(body, off, len);
        try {
            String model = null;
            String content = null;
            int stream = -1; // -1 absent, 0 false, 1 true; duplicate keys: last wins, as in Go
            r.beginObject();
            while (r.hasNext()) {
                switch (r.nextName(KEYS)) {
                    case MODEL:
                        model = r.optString();
                        break;
                    case STREAM:
                        JsonReader.Token t = r.peek();
                        if (t == JsonReader.Token.TRUE || t == JsonReader.Token.FALSE) {
                            stream = r.nextBoolean() ? 1 : 0;
                        } else {
                            r.skipValue();
                        }
                        break;
                    case MESSAGES:
                    case PROMPT:
                    case INPUT:
                        if (maxContentBytes > 0) {
                            content = r.rawValue(maxContentBytes);
                        } else {
                            r.skipValue();
                        }
                        break;
                    default:
                        r.skipValue(); // nested "stream"/"model" keys live in here and never count
                        break;
                }
            }
            r.endObject();
            r.endDocument();
            boolean streaming = streams && (stream == -1 ? streamDefault : stream == 1);
            return new LlmRequest(style, operation, model == null || model.isEmpty() ? null : model, streaming, true,
                    content);
        } catch (JsonException | RuntimeException e) {
            return new LlmRequest(style, operation, null, streamDefault, false);
        }
    }

    /** Drops query, fragment and a trailing slash; null stays null. */
    private static String normalize(String path) {
        if (path == null) {
            return null;
        }
        int cut = path.length();
        int q = path.indexOf('?');
        if (q >= 0) {
            cut = q;
        }
        int h = path.indexOf('#');
        if (h >= 0 && h < cut) {
            cut = h;
        }
        if (cut > 1 && path.charAt(cut - 1) == '/') {
            cut--;
        }
        return path.substring(0, cut);
    }

    private static ApiStyle styleOf(String route) {
        if (route == null) {
            return ApiStyle.UNKNOWN;
        }
        if (route.startsWith("/api/")) {
            return ApiStyle.OLLAMA;
        }
        if (route.startsWith("/v1/")) {
            return ApiStyle.OPENAI;
        }
        return ApiStyle.UNKNOWN;
    }

    private static String operationOf(String route) {
        if (route == null) {
            return null;
        }
        switch (route) {
            case "/api/chat":
            case "/v1/chat/completions":
                return "chat";
            case "/api/generate":
            case "/v1/completions":
                return "text_completion";
            case "/api/embed":
            case "/api/embeddings":
            case "/v1/embeddings":
                return "embeddings";
            default:
                return null;
        }
    }

    /** Routes whose responses can stream (Ollama's pull/push/create stream progress by default). */
    private static boolean canStream(String route) {
        if (route == null) {
            return false;
        }
        switch (route) {
            case "/api/generate":
            case "/api/chat":
            case "/api/pull":
            case "/api/push":
            case "/api/create":
            case "/v1/chat/completions":
            case "/v1/completions":
            case "/v1/responses":
                return true;
            default:
                return false;
        }
    }
}
