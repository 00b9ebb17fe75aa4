package dev.rtbe.agent.pool;

/**
 * What a request path does on an LLM server: runs a generation model, runs an embedding model, or
 * runs no model at all (listing, showing, pulling models: never gated, so they never wait behind
 * generations). The path is the one after the endpoint's prefix. A path not listed here is gated
 * as a generation: an unknown route might run a model, and waiting needlessly is cheaper than
 * overloading the server.
 */
public enum Route {
    GENERATION,
    EMBEDDING,
    UNGATED;

    /** The route of {@code path} (after the endpoint's prefix; null or empty is the server's root). */
    public static Route of(String path) {
        String p = path == null ? "" : path;
        int end = p.length();
        while (end > 0 && p.charAt(end - 1) == '/') {
            end--;
        }
        if (end != p.length()) {
            p = p.substring(0, end);
        }
        switch (p) {
            case "/api/embed":
            case "/api/embeddings":
            case "/v1/embeddings":
                return EMBEDDING;
            case "":
            case "/api/tags":
            case "/api/show":
            case "/api/ps":
            case "/api/version":
            case "/api/pull":
            case "/api/push":
            case "/api/create":
            case "/api/delete":
            case "/api/copy":
            case "/v1/models":
                return UNGATED;
            default:
                return p.startsWith("/api/blobs/") || p.startsWith("/v1/models/") ? UNGATED : GENERATION;
        }
    }

    /** The route of a full request path on an endpoint whose path prefix is {@code prefix} ("" for none). */
    public static Route of(String prefix, String path) {
        if (prefix.isEmpty() || path == null) {
            return of(path);
        }
        return of(path.length() > prefix.length() ? path.substring(prefix.length()) : "");
    }
}
