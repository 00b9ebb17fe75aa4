package dev.rtbe.agent.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouteTest {

    @ParameterizedTest
    @CsvSource({
            "/api/generate, GENERATION",
            "/api/chat, GENERATION",
            "/api/chat/, GENERATION",
            "/v1/chat/completions, GENERATION",
            "/v1/completions, GENERATION",
            "/v1/responses, GENERATION",
            "/api/embed, EMBEDDING",
            "/api/embeddings, EMBEDDING",
            "/v1/embeddings, EMBEDDING",
            "/v1/embeddings/, EMBEDDING",
            "/api/tags, UNGATED",
            "/api/show, UNGATED",
            "/api/ps, UNGATED",
            "/api/version, UNGATED",
            "/api/pull, UNGATED",
            "/api/push, UNGATED",
            "/api/create, UNGATED",
            "/api/delete, UNGATED",
            "/api/copy, UNGATED",
            "/api/blobs/sha256:abc, UNGATED",
            "/v1/models, UNGATED",
            "/v1/models/llama3.2, UNGATED",
            "/, UNGATED",
            "'', UNGATED",
            "/api/something-new, GENERATION",
            "/api/embedx, GENERATION",
            "/api/tagsx, GENERATION",
    })
    void routeOfAPath(String path, Route expected) {
        assertEquals(expected, Route.of(path));
    }

    @ParameterizedTest
    @CsvSource({
            "/ollama, /ollama/api/embed, EMBEDDING",
            "/ollama, /ollama/api/tags, UNGATED",
            "/ollama, /ollama/api/chat, GENERATION",
            "/ollama, /ollama, UNGATED",
            "/ollama, /ollama/, UNGATED",
            "'', /api/embed, EMBEDDING",
    })
    void thePathIsReadAfterTheEndpointsPrefix(String prefix, String path, Route expected) {
        assertEquals(expected, Route.of(prefix, path));
    }

    @org.junit.jupiter.api.Test
    void noPathIsTheRoot() {
        assertEquals(Route.UNGATED, Route.of(null));
    }
}
