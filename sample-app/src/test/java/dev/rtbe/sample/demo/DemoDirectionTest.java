package dev.rtbe.sample.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo in short mode (first 600 s of the trace at time scale 200, seven forked JVMs: the floor for 2 and for 3
 * slots, then (a)-(f); the fleet runs are {@link FleetScenarioTest}'s). Asserts the direction of the result, not
 * absolute times: they depend on the machine.
 */
class DemoDirectionTest {
    private static Demo.Options options;
    private static List<RunResult> results;

    @BeforeAll
    static void runShortDemo() throws Exception {
        options = Demo.Options.fromArgs("--short", "--quiet", "--runs", "abcdef", "--out", "target/demo-test");
        assertEquals(List.of("floor", "floor-3", "a", "b", "c", "d", "e", "f"),
                options.runs().stream().map(RunSpec::id).toList());
        assertTrue(Files.isRegularFile(options.agentJar()),
                "agent jar missing: " + options.agentJar() + "; build with mvn -B -ntp -pl sample-app -am package");
        results = Demo.run(options);
        String table = Report.table(results, options);
        System.out.println(table);
        Report.writeHtml(results, options, table);
    }

    /** The replays' clock stalls, for failure messages: a busy machine can bend a time-scaled replay. */
    private static String stalls() {
        StringBuilder sb = new StringBuilder("; app JVM stalls (unscaled s):");
        for (RunResult r : results) {
            sb.append(String.format(Locale.ROOT, " (%s) %.1f", r.spec().id(), r.maxStallS()));
        }
        return sb.toString();
    }

    private static RunResult run(String id) {
        return results.stream().filter(r -> r.spec().id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void allBatchWorkCompletesInEveryRun() {
        for (RunResult r : results) {
            if (r.spec().isFloor()) {
                assertEquals(0, r.count("BE"), r.spec().id() + ": the floor has no batch work");
                continue;
            }
            assertTrue(r.count("BE") >= 8, r.spec().id() + ": only " + r.count("BE") + " BE calls");
            assertEquals(0, r.failed("BE"), r.spec().id() + ": failed BE calls");
            // Each BE call's last attempt ran to its end on the server (earlier ones were preempted).
            long serverCompleted = r.slots().stream()
                    .filter(s -> s.kind().equals("BE") && !s.aborted() && s.end() >= s.start())
                    .map(RunResult.SlotSpan::id).distinct().count();
            assertEquals(r.count("BE"), serverCompleted, r.spec().id() + ": BE calls the server ran");
        }
    }

    @Test
    void everyRtCallGetsItsFirstToken() throws Exception {
        long expected = Trace.load(options.trace()).rt().stream()
                .filter(row -> row.arrivalS() < options.runLengthS()).count();
        for (RunResult r : results) {
            assertEquals(expected, r.rtTtfts().size(), r.spec().id() + ": RT calls with a first token");
            assertEquals(0, r.failed("RT"), r.spec().id() + ": failed RT calls");
        }
    }

    @Test
    void reservingOneOfTwoSlotsCutsRtTtftP95AtLeastThreefold() {
        double without = run("a").ttftPercentile(95);
        double with = run("c").ttftPercentile(95);
        assertTrue(with * 3 <= without, String.format(Locale.ROOT,
                "RT TTFT p95 with the agent (N=2, R=1) %.2f s, without %.2f s: expected at least 3x lower%s", with,
                without, stalls()));
    }

    @Test
    void priorityAloneAlreadyHelpsRt() {
        double without = run("a").ttftMean();
        double with = run("b").ttftMean();
        assertTrue(with * 2 <= without, String.format(Locale.ROOT,
                "RT TTFT mean with the agent (N=2, R=0) %.2f s, without %.2f s: expected at least 2x lower%s", with, without,
                stalls()));
    }

    @Test
    void aThirdSlotForRtKeepsBatchThroughputAndRtFast() {
        RunResult a = run("a");
        RunResult d = run("d");
        assertTrue(d.beDonePerHour() >= 0.9 * a.beDonePerHour(), String.format(Locale.ROOT,
                "BE per hour with N=3, R=1: %.1f; without the agent on 2 slots: %.1f", d.beDonePerHour(), a.beDonePerHour()));
        assertTrue(d.ttftPercentile(95) * 3 <= a.ttftPercentile(95), String.format(Locale.ROOT,
                "RT TTFT p95 with N=3, R=1 %.2f s, without the agent %.2f s", d.ttftPercentile(95), a.ttftPercentile(95)));
    }

    @Test
    void transparentPreemptionServesRtWithoutReservingASlot() {
        RunResult c = run("c");
        RunResult e = run("e");
        assertPreemptsAndServesRtFast(e);
        assertTrue(e.beDonePerHour() >= 1.2 * c.beDonePerHour(), String.format(Locale.ROOT,
                "BE per hour with preemption %.1f, with a reserved slot %.1f: expected at least 1.2x%s",
                e.beDonePerHour(), c.beDonePerHour(), stalls()));
    }

    @Test
    void resumablePreemptionThrowsAwayLessPerPreemptionThanRestarting() {
        assertPreemptsAndServesRtFast(run("f"));
        // Restarting loses the prefill and every token generated; continuing loses the prefill and the step in progress.
        double restart = wastedPerPreemption(run("e"));
        double resume = wastedPerPreemption(run("f"));
        assertTrue(resume * 2 <= restart, String.format(Locale.ROOT,
                "slot time wasted per preempted attempt: resumable %.2f s, restart %.2f s: expected at most half%s",
                resume, restart, stalls()));
    }

    /** The run preempted batch calls and gave RT a mean first token at least 3x lower than priority alone (b). */
    private static void assertPreemptsAndServesRtFast(RunResult r) {
        RunResult b = run("b");
        assertTrue(r.wastedSlotShare() > 0, "no batch call was preempted in run (" + r.spec().id() + ")");
        assertTrue(r.ttftMean() * 3 <= b.ttftMean(), String.format(Locale.ROOT,
                "RT TTFT mean in run (%s) %.2f s, with priority alone %.2f s: expected at least 3x lower%s",
                r.spec().id(), r.ttftMean(), b.ttftMean(), stalls()));
    }

    private static double wastedPerPreemption(RunResult r) {
        return r.slots().stream().filter(RunResult.SlotSpan::aborted).mapToDouble(RunResult.SlotSpan::wastedS)
                .average().orElse(Double.NaN);
    }

    @Test
    void theFloorIsRtAloneAndEveryRowIsMeasuredAgainstIt() throws Exception {
        RunResult floor = run("floor");
        assertEquals(2, floor.spec().serverSlots());
        assertEquals(3, run("floor-3").spec().serverSlots());
        assertTrue(floor.ttftPercentile(95) * 3 <= run("a").ttftPercentile(95), String.format(Locale.ROOT,
                "RT alone p95 %.2f s, RT behind batch work without the agent %.2f s%s", floor.ttftPercentile(95),
                run("a").ttftPercentile(95), stalls()));
        String table = Report.table(results, options);
        assertTrue(table.contains("p95/floor"), table);
        assertTrue(table.contains("target (ADR day, run (f)): RT TTFT p95 <= 1.25x the floor"), table);
    }

    @Test
    void reportIsSelfContained() throws Exception {
        String html = Files.readString(Path.of("target/demo-test/report.html"));
        assertTrue(html.contains("<svg"), "inline SVG");
        assertTrue(!html.contains("<script") && !html.contains("http://") && !html.contains("https://")
                || !html.contains("<script"), "no scripts");
    }
}
