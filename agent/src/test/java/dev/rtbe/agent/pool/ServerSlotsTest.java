package dev.rtbe.agent.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.calibrate.LlamaCppSlots;
import dev.rtbe.agent.calibrate.LlamaCppSlotsProbe;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.ledger.LedgerFactory;
import dev.rtbe.agent.scheduler.VirtualClock;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.SimulatorConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * auto N against a server that publishes its slots (llama.cpp's /props and /slots, the simulator's
 * llama.cpp status mode), one that does not (Ollama), and one that never answers.
 */
class ServerSlotsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final VirtualClock clock = new VirtualClock();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    private PoolRegistry registry(String server, Duration probeTimeout, String... settings) {
        Map<String, String> props = new HashMap<>();
        props.put("rtbe.endpoints", server);
        props.put("rtbe.slots.total", "auto");
        for (int i = 0; i < settings.length; i += 2) {
            props.put(settings[i], settings[i + 1]);
        }
        Settings s = new SettingsLoader(props, "", Map.of(), path -> {
            throw new NoSuchFileException(path);
        }).load();
        return new PoolRegistry(s, clock, log::add, LedgerFactory.local(clock), new LlamaCppSlotsProbe(probeTimeout)::probe);
    }

    private static String server(OllamaSimulator sim) {
        return "127.0.0.1:" + sim.baseUri().getPort();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void autoTakesTheSlotsALlamaCppServerPublishesAndStopsLearning() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(3).llamaCppStatus(true).build())) {
            PoolRegistry r = registry(server(sim), Duration.ofSeconds(5));
            Pool p = r.pool(r.servers().get(0), "llama3.2", Route.GENERATION);
            assertEquals(1, p.limit(), "nothing is read before the pool's first call");
            assertNull(p.serverSlots().answer());
            p.callStarted();
            String line = "pool " + p.key() + ": N 1 -> 3 (the server publishes 3 slots (/props))";
            await(() -> log.contains(line), "N read from /props, logged: " + line);
            assertEquals(3, p.limit());
            assertEquals(3, p.scheduler().policy().totalSlots());
            assertFalse(p.scheduler().policy().probe());
            for (int i = 0; i < 10; i++) {
                p.onCallEnd(3, 3, Duration.ofSeconds(2).toNanos(), 1_000_000); // waits would make a learner back off
            }
            assertEquals(3, p.limit(), "a published N is not learned");
            assertTrue(p.describe().contains("published by the server"), p.describe());
            Pool other = r.pool(r.servers().get(0), "qwen2.5", Route.GENERATION);
            assertEquals(3, other.limit(), "a pool made after the answer takes it at once");
        }
    }

    @Test
    void aPublishedNStaysWithinTheCeiling() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(6).llamaCppStatus(true).build())) {
            PoolRegistry r = registry(server(sim), Duration.ofSeconds(5), "rtbe.slots.max", "4");
            Pool p = r.defaultPool(r.servers().get(0));
            p.callStarted();
            await(() -> log.stream().anyMatch(l -> l.endsWith("N 1 -> 4 (the server publishes 6 slots (/props); "
                    + "rtbe.slots.max=4)")), "N 4 logged");
            assertEquals(4, p.limit());
        }
    }

    @Test
    void anOllamaServerPublishesNothingAndAutoKeepsLearning() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(3).build())) {
            PoolRegistry r = registry(server(sim), Duration.ofSeconds(5));
            Pool p = r.pool(r.servers().get(0), "llama3.2", Route.GENERATION);
            p.callStarted();
            await(() -> p.serverSlots().answer() != null, "the answer");
            assertFalse(p.serverSlots().answer().known(), "404 for /props and /slots");
            assertEquals(1, p.limit());
            p.onCallEnd(1, 1, 0, 1_000_000);
            p.callEnded();
            p.onCallEnd(1, 1, 0, 1_000_000);
            assertTrue(p.scheduler().policy().probe(), "two quiet calls: it learns, a probe is open");
        }
    }

    @Test
    void aServerThatNeverAnswersBlocksNoCallAndLeavesNLearned() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = Collections.synchronizedList(new ArrayList<>());
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // read nothing, answer nothing
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
            String server = "127.0.0.1:" + silent.getLocalPort();
            PoolRegistry r = registry(server, Duration.ofMillis(300));
            Pool p = r.defaultPool(r.servers().get(0));
            p.callStarted(); // returns at once: the read runs on its own thread
            assertNull(p.serverSlots().answer(), "still reading: the calling thread did not wait for it");
            await(() -> !accepted.isEmpty(), "the read reached the server");
            await(() -> p.serverSlots().answer() != null, "the read gave up at its timeout");
            assertFalse(p.serverSlots().answer().known());
            assertEquals(1, p.limit());
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
