package dev.rtbe.agent.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** llama.cpp's /props and /slots bodies, and the probe against a local HTTP server. */
class LlamaCppSlotsTest {
    /**
     * A {@code GET /props} body with the fields llama-server's get_props writes (tools/server), the values
     * of a published b8681 answer (4 slots), the chat template shortened.
     */
    static final String PROPS = """
            {"default_generation_settings":{"params":{"n_predict":-1,"seed":4294967295,"temperature":0.800000011920929,
             "top_k":40,"top_p":0.949999988079071,"min_p":0.05000000074505806,"stream":true,"samplers":["penalties",
             "dry","top_k","typ_p","top_p","min_p","xtc","temperature"]},"n_ctx":65536},
             "total_slots":4,"model_alias":"unsloth/Qwen3.6-35B-A3B-GGUF","model_path":"/models/qwen.gguf",
             "modalities":{"vision":true,"audio":false},"endpoint_slots":true,"endpoint_props":false,
             "endpoint_metrics":false,"webui":true,"chat_template":"{%- for message in messages %}...{%- endfor %}",
             "bos_token":"<|endoftext|>","eos_token":"<|im_end|>","build_info":"b8681-Debian","is_sleeping":false}
            """;

    /** A {@code GET /slots} body with server_slot::to_json's fields (tools/server): two slots, one busy. */
    static final String SLOTS = """
            [{"id":0,"n_ctx":8192,"speculative":false,"is_processing":true,"n_past":57,"id_task":118,
              "n_prompt_tokens":41,"n_prompt_tokens_processed":41,"n_prompt_tokens_cache":0,
              "params":{"n_predict":-1,"seed":4294967295,"temperature":0.8,"stream":true},
              "next_token":[{"has_next_token":true,"has_new_line":false,"n_remain":-1,"n_decoded":16}]},
             {"id":1,"n_ctx":8192,"speculative":false,"is_processing":false,"n_past":0}]
            """;

    private HttpServer server;
    private java.util.concurrent.ExecutorService serverThreads;
    private final Map<String, Object[]> routes = new ConcurrentHashMap<>(); // path -> {status, body}
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<String> requested = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requested.add(path);
            Object[] route = routes.get(path);
            try {
                if (route == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                if (route[1] == null) { // hangs until the test ends
                    release.await(30, TimeUnit.SECONDS);
                    exchange.sendResponseHeaders(500, -1);
                    return;
                }
                byte[] body = ((String) route[1]).getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
                exchange.sendResponseHeaders((Integer) route[0], body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        });
        serverThreads = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "llamacpp-test-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(serverThreads);
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        serverThreads.shutdownNow();
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void propsGiveTheTotal() {
        LlamaCppSlots s = LlamaCppSlots.fromProps(PROPS);
        assertTrue(s.known());
        assertEquals(4, s.total());
        assertEquals(LlamaCppSlots.UNKNOWN, s.processing());
        assertEquals("4 slots (/props)", s.toString());
    }

    @Test
    void slotsGiveTheTotalAndTheBusyOnes() {
        LlamaCppSlots s = LlamaCppSlots.fromSlots(SLOTS);
        assertEquals(2, s.total());
        assertEquals(1, s.processing());
        assertEquals("2 slots (/slots, 1 busy)", s.toString());
    }

    @Test
    void slotsWithoutTheBusyFlagStillCount() {
        LlamaCppSlots s = LlamaCppSlots.fromSlots("[{\"id\":0,\"n_ctx\":4096},{\"id\":1,\"n_ctx\":4096,\"is_processing\":false}]");
        assertEquals(2, s.total());
        assertEquals(LlamaCppSlots.UNKNOWN, s.processing());
    }

    @Test
    void anythingElseIsUnknown() {
        for (String body : new String[] {null, "", "{}", "{\"total_slots\":0}", "{\"total_slots\":-2}",
                "{\"total_slots\":2.5}", "{\"total_slots\":\"4\"}", "{\"total_slots\":4", "[]",
                "{\"error\":{\"code\":501,\"message\":\"This server does not support slots endpoint.\"}}",
                "{\"models\":[{\"name\":\"llama3.2\"}]}"}) {
            assertFalse(LlamaCppSlots.fromProps(body).known(), "props: " + body);
        }
        for (String body : new String[] {null, "", "[]", "{}", "[1,2]", "[{\"n_ctx\":4096}]", "[{\"id\":\"a\"}]",
                "[{\"id\":0}", "{\"error\":{\"code\":501,\"message\":\"This server does not support slots endpoint.\"}}"}) {
            assertFalse(LlamaCppSlots.fromSlots(body).known(), "slots: " + body);
        }
    }

    @Test
    void probeReadsPropsFirst() {
        routes.put("/props", new Object[] {200, PROPS});
        routes.put("/slots", new Object[] {200, SLOTS});
        LlamaCppSlots s = new LlamaCppSlotsProbe(Duration.ofSeconds(5)).probe(base());
        assertEquals(4, s.total());
        assertEquals(List.of("/props"), requested);
    }

    @Test
    void probeFallsBackToSlotsAndKeepsAPathPrefix() {
        routes.put("/llm/props", new Object[] {200, "{\"model_path\":\"x\"}"}); // a build without total_slots
        routes.put("/llm/slots", new Object[] {200, SLOTS});
        LlamaCppSlots s = new LlamaCppSlotsProbe(Duration.ofSeconds(5)).probe(URI.create(base() + "/llm/"));
        assertEquals(2, s.total());
        assertEquals(List.of("/llm/props", "/llm/slots"), requested);
    }

    @Test
    void probeFailuresAreUnknown() {
        routes.put("/props", new Object[] {401, "{\"error\":{\"code\":401,\"message\":\"Invalid API Key\"}}"});
        routes.put("/slots", new Object[] {501, "{\"error\":{\"code\":501}}"});
        assertFalse(new LlamaCppSlotsProbe(Duration.ofSeconds(5)).probe(base()).known());
        server.stop(0);
        assertFalse(new LlamaCppSlotsProbe(Duration.ofSeconds(5)).probe(base()).known(), "connection refused");
    }

    @Test
    void probeGivesUpAtItsTimeout() {
        routes.put("/props", new Object[] {200, null});
        routes.put("/slots", new Object[] {200, null});
        long start = System.nanoTime();
        assertFalse(new LlamaCppSlotsProbe(Duration.ofMillis(200)).probe(base()).known());
        long took = System.nanoTime() - start;
        assertTrue(took < TimeUnit.SECONDS.toNanos(20), "bounded by the timeout, took " + took / 1_000_000 + " ms");
    }

    @Test
    void aTooLargeBodyIsNotTrusted() {
        StringBuilder big = new StringBuilder("{\"total_slots\":4,\"pad\":\"");
        while (big.length() <= LlamaCppSlotsProbe.MAX_BODY_BYTES) {
            big.append("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        }
        routes.put("/props", new Object[] {200, big.append("\"}").toString()});
        assertFalse(new LlamaCppSlotsProbe(Duration.ofSeconds(5)).probe(base()).known());
    }

    @Test
    void aNonPositiveTimeoutIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LlamaCppSlotsProbe(Duration.ZERO));
    }
}
