package dev.rtbe.agent.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.classify.Classification;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.QueueTimeoutException;
import dev.rtbe.agent.scheduler.VirtualClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The one prologue every client adapter goes through, driven through a plain request view. */
class GateTest {
    private final VirtualClock clock = new VirtualClock();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private AgentRuntime runtime;

    @BeforeEach
    void install() {
        Map<String, String> props = new HashMap<>();
        props.put("rtbe.endpoints", "127.0.0.1:11434");
        props.put("rtbe.slots.total", "1");
        props.put("rtbe.request.max-body-bytes", "64");
        Settings s = new SettingsLoader(props, "", Map.of(), path -> {
            throw new NoSuchFileException(path);
        }).load();
        runtime = new AgentRuntime(s, clock, new AgentLog(new PrintStream(log, true, StandardCharsets.UTF_8)));
        AgentRuntime.install(runtime);
    }

    @AfterEach
    void uninstall() {
        AgentRuntime.install(null);
    }

    @Test
    void otherHostsNestedCallsAndAnAgentOffAreNotOurs() {
        assertNull(Gate.begin(new View("http://example.com:11434/api/chat", null, null)));
        ReentryGuard.enter();
        try {
            assertNull(Gate.begin(new View(OLLAMA, null, STREAM)));
        } finally {
            ReentryGuard.exit();
        }
        AgentRuntime.install(null);
        assertNull(Gate.begin(new View(OLLAMA, null, STREAM)));
    }

    @Test
    void theBodyTheViewCollectedDecidesAndNamesTheModel() {
        GatedCall call = Gate.begin(new View(OLLAMA, null, STREAM));
        assertEquals(Priority.RT, call.classification().priority());
        assertEquals("streaming", call.classification().rule().label());
        assertEquals("m1", call.request().model());
        GatedCall batch = Gate.begin(new View(OLLAMA, null, NOT_STREAMING));
        assertEquals(Priority.BE, batch.classification().priority());
    }

    @Test
    void aBodyOverTheLimitIsClassifiedByTheOtherRules() {
        String big = "{\"model\":\"m1\",\"stream\":true,\"pad\":\"" + "x".repeat(100) + "\"}";
        GatedCall call = Gate.begin(new View(OLLAMA, null, big));
        assertEquals("default", call.classification().rule().label());
    }

    @Test
    void theHeaderWinsOverTheBody() {
        GatedCall call = Gate.begin(new View(OLLAMA, "be", STREAM));
        assertEquals(Priority.BE, call.classification().priority());
        assertEquals("header", call.classification().rule().label());
    }

    @Test
    void aBodyReadLaterIsClassifiedByTheCallersRulesFirstThenByTheBody() {
        Gate.Pending byHeader = Gate.beginLater(new View(OLLAMA, "rt", null));
        assertEquals("header", byHeader.start(NOT_STREAMING.getBytes(StandardCharsets.UTF_8)).classification().rule().label());
        Gate.Pending byBody = Gate.beginLater(new View(OLLAMA, null, null));
        Classification decided = byBody.start(STREAM.getBytes(StandardCharsets.UTF_8)).classification();
        assertEquals(Priority.RT, decided.priority());
        assertEquals("streaming", decided.rule().label());
        assertEquals(Priority.BE, Gate.beginLater(new View(OLLAMA, null, null)).start(null).classification().priority());
    }

    @Test
    void aRequestSentAgainIsANewCallClassifiedByTheCallersRulesOfItsBuildingThread() {
        Gate.Pending pending = Gate.beginLater(new View(OLLAMA, "rt", null));
        GatedCall first = pending.start(NOT_STREAMING.getBytes(StandardCharsets.UTF_8));
        GatedCall second = pending.start(NOT_STREAMING.getBytes(StandardCharsets.UTF_8));
        assertEquals(Priority.RT, first.classification().priority());
        assertEquals(first.classification(), second.classification());
        assertFalse(first == second);
    }

    @Test
    void theRequestsOwnTimeoutFailsAsTheClientsOwnException() {
        GatedCall holder = Gate.begin(new View(OLLAMA, null, NOT_STREAMING));
        assertNull(Gate.await(holder, new View(OLLAMA, null, null)));
        View timed = new View(OLLAMA, null, NOT_STREAMING);
        timed.timeout = Duration.ofSeconds(2);
        GatedCall waiter = Gate.begin(timed);
        CompletableFuture<Permit> permit = Gate.acquire(waiter, timed);
        assertFalse(permit.isDone());
        clock.advance(Duration.ofSeconds(3));
        Exception failure = Gate.failureOf(permit, timed);
        assertTrue(failure instanceof SocketTimeoutException, String.valueOf(failure));
        assertTrue(failure.getCause() instanceof QueueTimeoutException);
        assertEquals(Outcome.REJECTED, waiter.outcome());
        holder.finish(Outcome.COMPLETED, null);
    }

    @Test
    void anInterruptWhileWaitingLeavesTheQueueAndKeepsTheInterrupt() {
        GatedCall holder = Gate.begin(new View(OLLAMA, null, NOT_STREAMING));
        View view = new View(OLLAMA, null, NOT_STREAMING);
        assertNull(Gate.await(holder, view));
        GatedCall waiter = Gate.begin(view);
        Thread.currentThread().interrupt();
        Exception failure = Gate.await(waiter, view);
        assertTrue(Thread.interrupted(), "the interrupt status stays set");
        assertTrue(failure instanceof java.io.InterruptedIOException, String.valueOf(failure));
        assertEquals(Outcome.REJECTED, waiter.outcome());
        holder.finish(Outcome.COMPLETED, null);
        assertEquals(0, runtime.scheduler().snapshot().queued(Priority.BE) + runtime.scheduler().snapshot().queued(Priority.RT));
    }

    @Test
    void failuresAreUnwrappedAndAnythingElseBecomesAnIoFailure() {
        View view = new View(OLLAMA, null, null);
        IOException io = new IOException("x");
        assertSame(io, Gate.failure(new CompletionException(io), view));
        Exception wrapped = Gate.failure(new CompletionException(new Error("boom")), view);
        assertTrue(wrapped instanceof IOException, String.valueOf(wrapped));
    }

    @Test
    void theSendIsMarkedAndRunsInsideTheGuard() throws Exception {
        GatedCall call = Gate.begin(new View(OLLAMA, null, NOT_STREAMING));
        assertNull(Gate.await(call, new View(OLLAMA, null, null)));
        assertTrue(Gate.send(call, ReentryGuard::isActive));
        assertFalse(ReentryGuard.isActive());
        call.finish(Outcome.COMPLETED, null);
    }

    @Test
    void aBodyOverTheLimitIsSaidOnce() {
        Gate.bodyOverLimit("test-client", 100);
        Gate.bodyOverLimit("test-client", 200);
        String said = log.toString(StandardCharsets.UTF_8);
        assertEquals(1, said.split("rtbe.request.max-body-bytes", -1).length - 1, said);
        assertTrue(said.contains("test-client"), said);
    }

    private static final String OLLAMA = "http://127.0.0.1:11434/api/chat";
    private static final String STREAM = "{\"model\":\"m1\",\"stream\":true}";
    private static final String NOT_STREAMING = "{\"model\":\"m1\",\"stream\":false}";

    /** A request as a client adapter would present it. */
    private static final class View implements RequestView {
        private final String uri;
        private final String header;
        private final String body;
        Duration timeout;

        View(String uri, String header, String body) {
            this.uri = uri;
            this.header = header;
            this.body = body;
        }

        @Override
        public URI uri() {
            return URI.create(uri);
        }

        @Override
        public String method() {
            return "POST";
        }

        @Override
        public String header(String name) {
            return "X-Rtbe-Priority".equalsIgnoreCase(name) ? header : null;
        }

        @Override
        public byte[] body(int maxBytes) {
            byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
            return bytes == null || bytes.length > maxBytes ? null : bytes;
        }

        @Override
        public Duration ownTimeout() {
            return timeout;
        }

        @Override
        public Exception timeoutFailure(QueueTimeoutException e) {
            SocketTimeoutException timeout = new SocketTimeoutException("timed out");
            timeout.initCause(e);
            return timeout;
        }
    }
}
