package dev.rtbe.agent.scheduler.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import dev.rtbe.agent.scheduler.trace.TraceReplay.Resume;
import dev.rtbe.agent.scheduler.trace.TraceReplay.Result;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The scheduler replayed through both checked-in traces and a heavy-RT trace ({@link TraceReplay}): the replay
 * reproduces the reference rows of shared/bench/README.md, and the agent's default policy with transparent
 * preemption reaches the targets. Prints the before/after table:
 * {@code mvn -B -ntp -o -q test -pl agent -am -Dtest=TraceReplayTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class TraceReplayTest {
    private static final int N = 2;

    /** N = 2 with the agent's defaults (aging, budget, ...) for {@code rtbe.preemption} and R as given. */
    static SchedulerPolicy.Builder agent(String preemption, int r) {
        Settings s = new SettingsLoader(Map.of("rtbe.slots.total", "2", "rtbe.preemption", preemption), null,
                Collections.emptyMap(), path -> {
                    throw new NoSuchFileException(path);
                }).load();
        SchedulerPolicy.Builder b = SchedulerPolicy.builder(N).rtReservedSlots(r).rtOrder(s.rtOrder())
                .promotionAfter(s.promotionAfter().orElse(null));
        if (preemption.equals("transparent")) {
            b.preemption(s.preemptionGrace(), s.preemptionMaxPerCall());
        }
        return s.tune(b);
    }

    /** The policy as it was before the budget: R = 0, preemption unbounded, aging by the whole wait. */
    static SchedulerPolicy before() {
        return SchedulerPolicy.builder(N).rtReservedSlots(0).preemption(Duration.ZERO, 4).build();
    }

    /** Today's defaults with preemption: R = 0 (the default with preemption), budget, passed-over aging. */
    static SchedulerPolicy defaults() {
        return agent("transparent", 0).build();
    }

    @Test
    void reproducesTheReferenceRowsOfTheAdrDay() {
        Trace adr = Trace.adrDay();
        Result none = TraceReplay.run(adr, N, null, Resume.RESTART);
        assertRow(none, 154.9, 186.6, 193.6, 158.4);
        Result priority = TraceReplay.run(adr, N, SchedulerPolicy.builder(N).rtReservedSlots(0).promotionAfter(null)
                .build(), Resume.RESTART);
        assertRow(priority, 15.2, 34.2, 44.9, 158.4);
        Result reservation = TraceReplay.run(adr, N, SchedulerPolicy.builder(N).rtReservedSlots(1).promotionAfter(null)
                .build(), Resume.RESTART);
        assertRow(reservation, 1.40, 7.6, 9.9, 86.4);
        // The seed's preemption cost as the demo measured it for transparent preemption (84-90%, 9-14% thrown away).
        Result transparent = TraceReplay.run(adr, N, before(), Resume.RESTART);
        assertEquals(0.87, transparent.beDonePerHour / none.beDonePerHour, 0.04, format(transparent));
        assertEquals(0.12, transparent.wastedShare, 0.03, format(transparent));
    }

    private static void assertRow(Result r, double mean, double p95, double max, double bePerHour) {
        String row = format(r);
        assertEquals(mean, r.mean(), Math.max(1, mean * 0.15), row);
        assertEquals(p95, r.percentile(95), Math.max(1, p95 * 0.15), row);
        assertEquals(max, r.max(), Math.max(1, max * 0.15), row);
        assertEquals(bePerHour, r.beDonePerHour, bePerHour * 0.05, row);
    }

    /** ADR day: RT p95 within 1.25x of RT alone, at least 97% of the batch throughput of no agent, under 3% wasted. */
    @Test
    void theDefaultsReachTheTargetsOnTheAdrDay() {
        assertTargets(Trace.adrDay(), 0.97, 0.03);
    }

    /** Burst trace: RT p95 within 1.25x of RT alone, at least 95% of the batch throughput of no agent. */
    @Test
    void theDefaultsReachTheTargetsOnTheBurstTrace() {
        assertTargets(Trace.burst(), 0.95, 0.03);
    }

    private static void assertTargets(Trace trace, double batchShare, double wasted) {
        Result floor = TraceReplay.run(trace.rtOnly(), N, null, Resume.CONTINUE);
        Result none = TraceReplay.run(trace, N, null, Resume.CONTINUE);
        Result reservation = TraceReplay.run(trace, N, agent("off", 1).build(), Resume.CONTINUE);
        Result f = TraceReplay.run(trace, N, defaults(), Resume.CONTINUE);
        String row = format(f) + "; floor p95 " + floor.percentile(95) + ", no agent " + format(none);
        assertTrue(f.percentile(95) <= 1.25 * floor.percentile(95), row);
        assertTrue(f.beDonePerHour >= batchShare * none.beDonePerHour, row);
        assertTrue(f.wastedShare < wasted, row);
        assertTrue(f.percentile(95) <= reservation.percentile(95) && f.beDonePerHour >= reservation.beDonePerHour,
                row + "; reservation " + format(reservation));
    }

    /**
     * Where RT load is high (RT alone keeps 1.25 of the 2 slots busy), preemption can only throw batch work away:
     * the defaults then work as with R = 1 and stay near reservation, where the policy before the budget made RT
     * wait tens of times longer.
     */
    @Test
    void underHeavyRtLoadTheDefaultsStayNearReservation() {
        Trace heavy = Trace.heavyRt(12);
        Result reservation = TraceReplay.run(heavy, N, agent("off", 1).build(), Resume.CONTINUE);
        Result f = TraceReplay.run(heavy, N, defaults(), Resume.CONTINUE);
        Result old = TraceReplay.run(heavy, N, before(), Resume.CONTINUE);
        String row = format(f) + "; reservation " + format(reservation) + "; before " + format(old);
        assertTrue(f.percentile(95) <= 1.2 * reservation.percentile(95), row);
        assertTrue(f.beDonePerHour >= 0.97 * reservation.beDonePerHour, row);
        assertTrue(old.percentile(95) > 10 * f.percentile(95), row);
    }

    @Test
    void printsTheTable() {
        StringBuilder sb = new StringBuilder();
        for (Trace trace : new Trace[] {Trace.adrDay(), Trace.burst(), Trace.heavyRt(12)}) {
            Result floor = TraceReplay.run(trace.rtOnly(), N, null, Resume.CONTINUE);
            Result none = TraceReplay.run(trace, N, null, Resume.CONTINUE);
            sb.append(String.format(Locale.ROOT, "%n%s trace, N=2: RT TTFT (s), BE done per hour%n", trace.name));
            sb.append(String.format(Locale.ROOT, "%-48s %7s %7s %7s %8s %8s %7s %7s %7s%n", "run", "mean", "p95", "max",
                    "p95/flr", "BE/hour", "BE/(a)", "wasted", "preempt"));
            line(sb, "floor: RT alone (no batch work)", floor, floor, none);
            line(sb, "(a) no agent", none, floor, none);
            line(sb, "(b) priority only, R=0", TraceReplay.run(trace, N, agent("off", 0).build(), Resume.CONTINUE),
                    floor, none);
            line(sb, "(c) reservation, R=1", TraceReplay.run(trace, N, agent("off", 1).build(), Resume.CONTINUE),
                    floor, none);
            line(sb, "(e) before: preemption unbounded, restart", TraceReplay.run(trace, N, before(), Resume.RESTART),
                    floor, none);
            line(sb, "    before: preemption unbounded, continue", TraceReplay.run(trace, N, before(), Resume.CONTINUE),
                    floor, none);
            line(sb, "    before + last-slot rule, continue", TraceReplay.runWithLastSlotRule(trace, N, before(),
                    Resume.CONTINUE), floor, none);
            line(sb, "(f) defaults: budget, passed-over aging, continue", TraceReplay.run(trace, N, defaults(),
                    Resume.CONTINUE), floor, none);
            line(sb, "    defaults, restart", TraceReplay.run(trace, N, defaults(), Resume.RESTART), floor, none);
        }
        System.out.println(sb);
    }

    private static void line(StringBuilder sb, String name, Result r, Result floor, Result none) {
        sb.append(String.format(Locale.ROOT, "%-48s %s %7.2fx %8.1f %6.0f%% %6.1f%% %7d%n", name, ttft(r),
                r.percentile(95) / floor.percentile(95), r.beDonePerHour, 100 * r.beDonePerHour / none.beDonePerHour,
                100 * r.wastedShare, r.preemptions));
    }

    private static String ttft(Result r) {
        return String.format(Locale.ROOT, "%7.2f %7.2f %7.2f", r.mean(), r.percentile(95), r.max());
    }

    private static String format(Result r) {
        return "RT TTFT mean/p95/max " + ttft(r) + String.format(Locale.ROOT, ", BE/hour %.1f, wasted %.1f%%",
                r.beDonePerHour, 100 * r.wastedShare);
    }
}
