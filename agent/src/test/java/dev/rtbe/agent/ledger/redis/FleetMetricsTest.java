package dev.rtbe.agent.ledger.redis;

import static dev.rtbe.agent.scheduler.Priority.BE;
import static dev.rtbe.agent.scheduler.Priority.RT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.config.BadValueException;
import dev.rtbe.agent.config.Coordination;
import dev.rtbe.agent.ledger.LedgerFactory;
import dev.rtbe.agent.ledger.SlotLedger;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import dev.rtbe.agent.scheduler.VirtualClock;
import dev.rtbe.agent.telemetry.CoordinationView;
import dev.rtbe.agent.telemetry.EpochClock;
import dev.rtbe.agent.telemetry.TelemetryPipeline;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The coordination metrics of a JVM in a fleet on a real Redis, read through the real SDK: the mode as a
 * 0/1 gauge per mode, each script's latency, and the fallbacks, re-assertions and recovered notices.
 */
class FleetMetricsTest {
    private static final AttributeKey<String> MODE = AttributeKey.stringKey("rtbe.coordination.mode");
    private static final AttributeKey<String> SCRIPT = AttributeKey.stringKey("rtbe.coordination.script");
    private static EmbeddedRedis redis;
    private static int fleets;

    private final VirtualClock clock = new VirtualClock();
    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private final String name = "metrics" + (++fleets);
    private final List<RedisFleet> open = new ArrayList<>();
    private TelemetryPipeline pipeline;

    @BeforeAll
    static void startRedis() {
        redis = new EmbeddedRedis();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void close() {
        if (pipeline != null) {
            pipeline.shutdown().join(5, TimeUnit.SECONDS);
        }
        open.forEach(RedisFleet::close);
    }

    private RedisFleet jvm() {
        RedisFleet f;
        try {
            f = new RedisFleet(Coordination.parse(redis.url()), name, null, null, Duration.ofSeconds(10), 1, clock,
                    () -> clock.nanoTime() / 1_000_000L, false,
                    new AgentLog(new PrintStream(new ByteArrayOutputStream(), true)), 60_000);
        } catch (BadValueException e) {
            throw new IllegalStateException(e);
        }
        open.add(f);
        f.start();
        return f;
    }

    /** Telemetry started the way the agent starts it: on a coordination that already runs. */
    private void telemetry(CoordinationView coordination) {
        pipeline = new TelemetryPipeline(SdkTracerProvider.builder().build(),
                SdkMeterProvider.builder().registerMetricReader(metrics).build(), EpochClock.withOffset(0),
                List::of, coordination, false);
    }

    private static SlotLedger ledger(LedgerFactory factory) {
        return factory.ledger("localhost:11434", LedgerFactory.ANY_MODEL, SchedulerPolicy.builder(1).build());
    }

    @Test
    void aFleetReportsItsModeScriptLatencyAndRecoveries() {
        RedisLedgerFactory factory = new RedisLedgerFactory(jvm(), clock);
        telemetry(factory);
        SlotLedger a = ledger(factory);
        Permit held = a.tryAcquire(RT);
        assertNotNull(held);
        held.release();
        Collection<MetricData> all = metrics.collectAllMetrics();
        assertEquals(List.of("redis"), currentModes(all));
        assertEquals(1, scriptCount(all, "acquire"));
        assertEquals(1, scriptCount(all, "release"));
        assertEquals(0, scriptCount(all, "heartbeat"), "the first heartbeat ran before telemetry started");
        HistogramPointData acquire = scriptPoint(all, "acquire").orElseThrow();
        assertTrue(acquire.getSum() > 0 && acquire.getSum() < 60, "seconds, not nanoseconds: " + acquire.getSum());
        assertEquals(0, counter(all, "rtbe.coordination.fallbacks"));
        assertEquals(0, counter(all, "rtbe.coordination.reassertions"));
        assertEquals(0, counter(all, "rtbe.coordination.recovered_notices"));

        // Another JVM waits; its grant's pub/sub message is lost and the mailbox delivers it.
        RedisFleet otherFleet = jvm();
        RedisLedgerFactory other = new RedisLedgerFactory(otherFleet, clock);
        InMemoryMetricReader otherMetrics = InMemoryMetricReader.create();
        TelemetryPipeline otherPipeline = new TelemetryPipeline(SdkTracerProvider.builder().build(),
                SdkMeterProvider.builder().registerMetricReader(otherMetrics).build(), EpochClock.withOffset(0),
                List::of, other, false);
        try {
            Permit again = a.tryAcquire(RT);
            CompletableFuture<Permit> waiting = ledger(other).acquireAsync(RT, null);
            otherFleet.loseNotices(true);
            again.release();
            assertFalse(waiting.isDone(), "the grant's pub/sub message was lost");
            otherFleet.heartbeat();
            assertTrue(waiting.isDone(), "the mailbox delivered it");
            waiting.join().release();
            Collection<MetricData> theirs = otherMetrics.collectAllMetrics();
            assertEquals(1, counter(theirs, "rtbe.coordination.recovered_notices"));
            assertEquals(1, scriptCount(theirs, "heartbeat"));
        } finally {
            otherPipeline.shutdown().join(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void redisLostShowsFallbackThenARestartCountsTheReassertedCall() {
        RedisFleet fleet = jvm();
        RedisLedgerFactory factory = new RedisLedgerFactory(fleet, clock);
        telemetry(factory);
        SlotLedger a = ledger(factory);
        redis.stop();
        Permit during;
        try {
            during = a.tryAcquire(BE);
            assertNotNull(during, "admitted by the local scheduler");
            Collection<MetricData> all = metrics.collectAllMetrics();
            assertEquals(List.of("fallback"), currentModes(all));
            assertEquals(1, counter(all, "rtbe.coordination.fallbacks"));
            assertEquals(0, scriptCount(all, "acquire"), "a failed script has no latency to report");
        } finally {
            redis.start();
        }
        fleet.heartbeat();
        Collection<MetricData> all = metrics.collectAllMetrics();
        assertEquals(List.of("redis"), currentModes(all));
        assertEquals(1, counter(all, "rtbe.coordination.fallbacks"));
        assertEquals(1, counter(all, "rtbe.coordination.reassertions"), "the call admitted in fallback");
        assertEquals(1, scriptCount(all, "heartbeat"));
        assertNull(a.tryAcquire(BE), "N=1 and the re-asserted call holds it, fleet-wide");
        during.release();
    }

    @Test
    void aLocalAgentReportsLocalModeAndNoFleetCounters() {
        telemetry(LedgerFactory.local(clock));
        Collection<MetricData> all = metrics.collectAllMetrics();
        assertEquals(List.of("local"), currentModes(all));
        assertEquals(3, find(all, "rtbe.coordination.mode").orElseThrow().getLongGaugeData().getPoints().size(),
                "one point per mode");
        for (String name : List.of("rtbe.coordination.fallbacks", "rtbe.coordination.reassertions",
                "rtbe.coordination.recovered_notices", "rtbe.coordination.script.duration")) {
            assertFalse(find(all, name).isPresent(), name + " in local mode");
        }
    }

    private static Optional<MetricData> find(Collection<MetricData> all, String name) {
        return all.stream().filter(m -> m.getName().equals(name)).findFirst();
    }

    /** The modes whose gauge reads 1 (exactly one when the gauge is right). */
    private static List<String> currentModes(Collection<MetricData> all) {
        List<String> on = new ArrayList<>();
        for (LongPointData p : find(all, "rtbe.coordination.mode").orElseThrow().getLongGaugeData().getPoints()) {
            if (p.getValue() == 1) {
                on.add(p.getAttributes().get(MODE));
            } else {
                assertEquals(0, p.getValue());
            }
        }
        return on;
    }

    private static Optional<HistogramPointData> scriptPoint(Collection<MetricData> all, String script) {
        return find(all, "rtbe.coordination.script.duration").flatMap(m -> m.getHistogramData().getPoints().stream()
                .filter(p -> script.equals(p.getAttributes().get(SCRIPT))).findFirst());
    }

    private static long scriptCount(Collection<MetricData> all, String script) {
        return scriptPoint(all, script).map(HistogramPointData::getCount).orElse(0L);
    }

    private static long counter(Collection<MetricData> all, String name) {
        MetricData m = find(all, name).orElseThrow(() -> new AssertionError(name + " not exported"));
        assertTrue(m.getLongSumData().isMonotonic(), name + " is a counter");
        return m.getLongSumData().getPoints().stream().mapToLong(LongPointData::getValue).sum();
    }
}
