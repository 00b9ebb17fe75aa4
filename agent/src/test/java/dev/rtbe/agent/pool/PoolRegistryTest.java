package dev.rtbe.agent.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.calibrate.LlamaCppSlots;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.ledger.LedgerFactory;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.VirtualClock;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PoolRegistryTest {
    private static final String LOCAL = "localhost:11434";
    private final VirtualClock clock = new VirtualClock();
    private final List<String> log = new ArrayList<>();

    private PoolRegistry registry(String... settings) {
        Map<String, String> props = new HashMap<>();
        for (int i = 0; i < settings.length; i += 2) {
            props.put(settings[i], settings[i + 1]);
        }
        Settings s = new SettingsLoader(props, "", Map.of(), path -> {
            throw new NoSuchFileException(path);
        }).load();
        // No server publishes its slots here: auto N is learned.
        return new PoolRegistry(s, clock, log::add, LedgerFactory.local(clock), uri -> LlamaCppSlots.unknown());
    }

    private static List<String> names(List<Pool> pools) {
        return pools.stream().map(p -> p.key().toString()).collect(Collectors.toList());
    }

    @Test
    void everyServerHasADefaultPoolAndModelsGetTheirsOnFirstUse() {
        PoolRegistry r = registry("rtbe.endpoints", "gpu@10.0.0.5,localhost:11434,127.0.0.1:11434");
        assertEquals(List.of("gpu", LOCAL), r.servers(), "localhost and 127.0.0.1 are one server");
        assertEquals(List.of("gpu/_default", LOCAL + "/_default"), names(r.pools()));
        List<Pool> made = new ArrayList<>();
        r.onNewPool(made::add);

        Pool chat = r.pool(LOCAL, "llama3.2", Route.GENERATION);
        assertEquals(LOCAL + "/llama3.2:latest", chat.key().toString());
        assertSame(chat, r.pool(LOCAL, "Llama3.2:latest", Route.GENERATION), "one model, two spellings");
        assertSame(chat, r.pool(LOCAL, "llama3.2", Route.GENERATION));
        Pool onGpu = r.pool("gpu", "llama3.2", Route.GENERATION);
        assertNotSame(chat, onGpu, "each server has its own pools");
        assertEquals(List.of(chat, onGpu), made);
        assertEquals(4, r.pools().size());
        assertSame(r.defaultPool(LOCAL), r.pool(LOCAL, null, Route.GENERATION));
        assertNull(r.pool("elsewhere:1", "llama3.2", Route.GENERATION));
    }

    @Test
    void routesThatRunNoModelUseAPassThroughThatNeverWaits() throws Exception {
        PoolRegistry r = registry();
        Pool tags = r.pool(LOCAL, null, Route.UNGATED);
        assertTrue(tags.isUngated());
        assertFalse(r.pools().contains(tags));
        assertEquals(List.of(tags), r.passThroughs());
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            held.add(tags.scheduler().acquire(Priority.BE, Duration.ZERO));
        }
        assertEquals(100, tags.snapshot().inFlight());
        held.forEach(Permit::release);
    }

    @Test
    void pastTheCapFurtherModelsShareTheDefaultPoolAndTheLogSaysSoOnce() {
        PoolRegistry r = registry("rtbe.pools.max-per-server", "2");
        Pool a = r.pool(LOCAL, "a", Route.GENERATION);
        Pool b = r.pool(LOCAL, "b", Route.GENERATION);
        for (int i = 0; i < 1000; i++) {
            assertSame(r.defaultPool(LOCAL), r.pool(LOCAL, "flood-" + i, Route.GENERATION));
        }
        assertSame(a, r.pool(LOCAL, "a", Route.GENERATION));
        assertSame(b, r.pool(LOCAL, "b:latest", Route.GENERATION));
        assertEquals(3, r.pools().size());
        List<String> overflow = log.stream().filter(l -> l.contains("rtbe.pools.max-per-server")).collect(Collectors.toList());
        assertEquals(List.of("server localhost:11434 has 2 pools, the most rtbe.pools.max-per-server allows: calls to"
                + " further models (first: flood-0:latest) share its default pool"), overflow);
    }

    @Test
    void anEmbeddingModelRunsOneCallUntilItIsCalledForGeneration() {
        PoolRegistry r = registry("rtbe.slots.total", "3");
        Pool emb = r.pool(LOCAL, "nomic-embed-text", Route.EMBEDDING);
        assertTrue(emb.embedding());
        assertEquals(1, emb.limit());
        assertSame(emb, r.pool(LOCAL, "nomic-embed-text", Route.EMBEDDING));
        Pool gen = r.pool(LOCAL, "nomic-embed-text", Route.GENERATION);
        assertNotSame(emb, gen);
        assertEquals(3, gen.limit());
        assertSame(gen, r.pool(LOCAL, "nomic-embed-text", Route.EMBEDDING), "from now on one generation pool");
        assertEquals(2, r.pools().size());
        assertTrue(log.contains("pool localhost:11434/nomic-embed-text:latest is called for generation too: N 1 -> "
                + gen.describe()), log::toString);
    }

    @Test
    void withPoolsByModelOffEveryCallOfAServerSharesItsDefaultPool() {
        PoolRegistry r = registry("rtbe.pools.by-model", "false");
        Pool p = r.defaultPool(LOCAL);
        assertSame(p, r.pool(LOCAL, "llama3.2", Route.GENERATION));
        assertSame(p, r.pool(LOCAL, "nomic-embed-text", Route.EMBEDDING));
        assertSame(p, r.pool(LOCAL, null, Route.GENERATION));
        assertTrue(r.pool(LOCAL, null, Route.UNGATED).isUngated(), "routes that run no model still never wait");
        assertEquals(1, r.pools().size());
    }

    @Test
    void eachPoolHasItsOwnSlots() throws Exception {
        PoolRegistry r = registry("rtbe.slots.total", "1");
        Permit chat = r.pool(LOCAL, "chat", Route.GENERATION).scheduler().acquire(Priority.BE, Duration.ZERO);
        Permit other = r.pool(LOCAL, "other", Route.GENERATION).scheduler().tryAcquire(Priority.BE);
        Permit emb = r.pool(LOCAL, "emb", Route.EMBEDDING).scheduler().tryAcquire(Priority.BE);
        assertTrue(other != null && emb != null, "a saturated chat pool blocks no other pool");
        assertNull(r.pool(LOCAL, "chat", Route.GENERATION).scheduler().tryAcquire(Priority.BE));
        chat.release();
        other.release();
        emb.release();
    }

    @Test
    void autoStartsAtOneLearnsUpAndDownAndLogsEachChange() {
        PoolRegistry r = registry("rtbe.slots.total", "auto", "rtbe.slots.max", "3");
        Pool p = r.pool(LOCAL, "llama3.2", Route.GENERATION);
        assertEquals("auto", p.mode());
        assertEquals(1, p.limit());
        assertEquals(0, p.scheduler().policy().rtReservedSlots(), "R = min(1, N - 1)");

        quietCall(p);
        quietCall(p); // two quiet calls at N 1: one call above N may probe the server
        assertTrue(p.scheduler().policy().probe(), "the scheduler lets one probe call in above N");
        assertEquals(1, p.scheduler().policy().totalSlots(), "RT stays within the learned N");
        assertEquals(1, p.limit(), "a probe is not a learned N");
        assertEquals(0, p.scheduler().policy().rtReservedSlots());
        assertEquals(1, p.callStarted());
        assertTrue(p.scheduler().policy().probe(), "a call within N is not the probe");
        assertEquals(2, p.callStarted()); // the probe
        assertFalse(p.scheduler().policy().probe(), "the probe is out: closed until its result");
        assertEquals(1, p.scheduler().policy().totalSlots());
        p.onCallEnd(2, 2, 0, 1_000_000); // the probe did not wait inside the server
        p.callEnded();
        assertEquals(2, p.limit());
        assertEquals(1, p.scheduler().policy().rtReservedSlots(), "R comes back with N 2");
        p.onCallEnd(1, 1, 0, 1_000_000);
        p.callEnded();

        p.callStarted();
        p.callStarted();
        p.onCallEnd(2, 2, 0, 1_000_000);
        p.onCallEnd(2, 2, 0, 1_000_000); // two quiet calls at N 2
        p.callEnded();
        p.callEnded();
        p.callStarted();
        p.callStarted();
        p.callStarted(); // the probe at 3
        p.onCallEnd(3, 3, 0, 1_000_000);
        assertEquals(3, p.limit());
        p.callStarted(); // a fourth call cannot be a probe: the ceiling is 3
        p.onCallEnd(3, 3, 0, 1_000_000);
        assertEquals(3, p.limit(), "never above rtbe.slots.max");
        p.onCallEnd(3, 3, Duration.ofSeconds(2).toNanos(), 1_000_000);
        assertEquals(2, p.limit(), "a call waited inside the server with 3 running: N shrinks");
        for (int i = 0; i < 4; i++) {
            p.callEnded();
        }
        assertEquals(List.of("pool localhost:11434/llama3.2:latest: N 1 -> 2 (learned)",
                "pool localhost:11434/llama3.2:latest: N 2 -> 3 (learned)",
                "pool localhost:11434/llama3.2:latest: N 3 -> 2 (learned)"),
                log.stream().filter(l -> l.contains("learned")).collect(Collectors.toList()));
        assertEquals(Duration.ofSeconds(2).toNanos(), p.lastHiddenWaitNanos());
        assertEquals(Duration.ofSeconds(2).toNanos() / 9, p.meanHiddenWaitNanos());
        assertTrue(p.outsideCallsDetected(), "3 had run quietly before: now someone else holds a slot");
    }

    /** One call alone in the pool that did not wait inside the server. */
    private static void quietCall(Pool p) {
        int k = p.callStarted();
        p.onCallEnd(k, k, 0, 1_000_000);
        p.callEnded();
    }

    @Test
    void aFixedPoolReportsTheHiddenWaitAndOutsideCalls() {
        PoolRegistry r = registry("rtbe.slots.total", "2");
        Pool p = r.pool(LOCAL, "llama3.2", Route.GENERATION);
        assertEquals("fixed", p.mode());
        assertEquals(-1, p.meanHiddenWaitNanos());
        p.onCallEnd(2, 2, Duration.ofSeconds(1).toNanos(), 0);
        p.onCallEnd(2, 2, Duration.ofSeconds(3).toNanos(), 0);
        assertEquals(2, p.limit(), "a fixed N never moves");
        assertEquals(Duration.ofSeconds(2).toNanos(), p.meanHiddenWaitNanos());
        assertFalse(p.outsideCallsDetected());
        p.onCallEnd(1, 1, Duration.ofMillis(10).toNanos(), 0);
        assertFalse(p.outsideCallsDetected(), "a few milliseconds are the server's own bookkeeping");
        p.onCallEnd(1, 1, Duration.ofSeconds(1).toNanos(), 0);
        assertTrue(p.outsideCallsDetected());
        p.onCallEnd(-1 + 2, -1 + 2, -1, 0);
        assertEquals(Duration.ofSeconds(1).toNanos(), p.lastHiddenWaitNanos(), "an unknown wait changes nothing");
        assertEquals(List.of(
                "pool localhost:11434/llama3.2:latest: a call waited 1.000s inside the server with 2 of N=2 running:"
                        + " N may be set above the server's slots",
                "pool localhost:11434/llama3.2:latest: a call waited 1.000s inside the server while it was the pool's"
                        + " only call: calls from outside this JVM detected"),
                log.stream().filter(l -> l.contains("inside the server")).collect(Collectors.toList()));
    }

    @Test
    void aCallOvertakenByALaterOneOfTheSamePoolIsNotTakenForAnOutsideCall() {
        PoolRegistry r = registry("rtbe.slots.total", "2");
        Pool p = r.pool(LOCAL, "llama3.2", Route.GENERATION);
        // Granted first (1 running), it met the second call in the server, which got there first.
        p.onCallEnd(1, 2, Duration.ofSeconds(1).toNanos(), 0);
        assertFalse(p.outsideCallsDetected());
        assertEquals(List.of("pool localhost:11434/llama3.2:latest: a call waited 1.000s inside the server with 2"
                        + " of N=2 running: N may be set above the server's slots"),
                log.stream().filter(l -> l.contains("inside the server")).collect(Collectors.toList()));
    }
}
