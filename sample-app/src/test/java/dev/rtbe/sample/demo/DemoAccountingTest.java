package dev.rtbe.sample.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.simulator.Outcome;
import dev.rtbe.simulator.RequestRecord;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's bookkeeping without forking anything: wasted slot time, medians, the floor, targets and options. */
class DemoAccountingTest {
    private static final long S = 1_000_000_000L;

    /** One attempt of call {@code id} on the server, in simulator seconds (scale 1); first/last token or -1. */
    private static RequestRecord attempt(String id, double start, double first, double last, double end,
                                         boolean disconnected, int evalCount, int continued) {
        return new RequestRecord(1, "/api/chat", "llama3.2", true, Map.of("X-Demo-Id", List.of(id)), (long) (start * S),
                (long) (start * S), first < 0 ? -1 : (long) (first * S), last < 0 ? -1 : (long) (last * S),
                (long) (end * S), disconnected ? (long) (end * S) : -1,
                disconnected ? Outcome.DISCONNECTED : Outcome.COMPLETED, 200, 1, 0, 0, 10, evalCount, continued, null);
    }

    private static double wasted(List<RequestRecord> records) {
        return ServerSpans.of(records, 0, 1).stream().mapToDouble(RunResult.SlotSpan::wastedS).sum();
    }

    @Test
    void aRestartedAttemptWastesAllItsSlotTime() {
        // Prefill 1 s, 5 tokens by 6 s, cut at 7 s; the next attempt starts afresh.
        List<RequestRecord> r = List.of(attempt("BE-1", 0, 1, 6, 7, true, 5, 0), attempt("BE-1", 9, 10, 20, 20, false, 10, 0));
        assertEquals(7.0, wasted(r), 1e-9);
        assertTrue(ServerSpans.of(r, 0, 1).get(0).aborted());
        assertTrue(!ServerSpans.of(r, 0, 1).get(1).aborted());
    }

    @Test
    void aContinuedAttemptWastesItsPrefillAndTheStepInProgress() {
        // All 5 tokens kept: the prefill (1 s) and the cut decode step (6 s to 7 s).
        List<RequestRecord> r = List.of(attempt("BE-1", 0, 1, 6, 7, true, 5, 0), attempt("BE-1", 9, 10, 14, 14, false, 5, 5));
        assertEquals(2.0, wasted(r), 1e-9);
        // 3 of 5 kept (tokens at 1, 2.25, 3.5, 4.75, 6 s): the third came at 3.5 s, so 3.5 s to 7 s is lost as well.
        r = List.of(attempt("BE-1", 0, 1, 6, 7, true, 5, 0), attempt("BE-1", 9, 10, 14, 14, false, 7, 3));
        assertEquals(1.0 + 3.5, wasted(r), 1e-9);
        // A second cut: the continuation's own kept tokens count from what it continued.
        r = List.of(attempt("BE-1", 0, 1, 6, 7, true, 5, 0), attempt("BE-1", 9, 10, 12, 13, true, 3, 5),
                attempt("BE-1", 15, 16, 18, 18, false, 2, 8));
        assertEquals(2.0 + 2.0, wasted(r), 1e-9);
    }

    @Test
    void anAttemptCutBeforeItsFirstTokenWastesItsSlotTime() {
        List<RequestRecord> r = List.of(attempt("BE-1", 0, -1, -1, 0.5, true, 0, 0), attempt("BE-1", 1, 2, 5, 5, false, 4, 0));
        assertEquals(0.5, wasted(r), 1e-9);
    }

    @Test
    void groupsTakeMediansAndTheRoundWithTheMedianP95IsDrawn() {
        RunSpec a = RunSpec.byId("a", 3);
        List<RunResult> results = new ArrayList<>();
        for (double ttft : new double[] {3, 1, 2}) {
            results.add(result(a, ttft));
        }
        RunGroup g = RunGroup.of(results).get(0);
        assertEquals(2.0, g.p95(), 1e-9);
        assertEquals(2.0, g.representative().ttftPercentile(95), 1e-9);
        List<RunResult> withFloor = new ArrayList<>(results);
        withFloor.add(result(RunSpec.floor(2, 2), 0.5));
        List<RunGroup> groups = RunGroup.of(withFloor);
        assertEquals(4.0, groups.get(0).p95OverFloor(groups), 1e-9);
    }

    /** A run with one RT call of the given TTFT (unscaled seconds) and one BE call done at 1000 s. */
    private static RunResult result(RunSpec spec, double ttftS) {
        List<CallRecord> calls = List.of(new CallRecord("RT", 0, 0, (long) (ttftS * S), 20 * S, true, 10, 0.4, "rt", null),
                new CallRecord("BE", 0, 0, -1, 1000 * S, true, 40, 0.4, "be", null));
        return new RunResult(spec, calls, List.of(), 1, 3000, 1, 0, true, 0, 0.5);
    }

    @Test
    void targetsSayWhetherRunFMeetsThem() {
        List<RunResult> results = List.of(result(RunSpec.floor(2, 2), 1.0), result(RunSpec.byId("a", 3), 100),
                result(RunSpec.byId("f", 3), 1.2));
        String lines = Targets.forTrace("adr").lines(RunGroup.of(results));
        assertTrue(lines.contains("RT TTFT p95 <= 1.25x the floor: 1.20x -> met"), lines);
        assertTrue(lines.contains("BE/hour >= 97% of (a)'s: 100.00% -> met"), lines);
        assertTrue(lines.contains("wasted < 3%: 0.0% -> met"), lines);
        String burst = Targets.forTrace("burst").lines(RunGroup.of(List.of(result(RunSpec.floor(2, 2), 1.0),
                result(RunSpec.byId("a", 3), 100), result(RunSpec.byId("f", 3), 1.3))));
        assertTrue(burst.contains("1.30x -> NOT met") && burst.contains("95% of (a)'s") && !burst.contains("wasted"),
                burst);
        assertNull(Targets.forTrace("/tmp/other.csv"));
        assertEquals("", Targets.forTrace("adr").lines(RunGroup.of(results.subList(0, 2))), "no run (f)");
    }

    @Test
    void theModelFloorQueuesRtBehindRtOnTheSlots() throws Exception {
        Trace t = Trace.parse(new StringReader("kind,seq,arrival_s,prefill_s,gen_s\n"
                + "RT,0,0,0.5,10\nRT,1,1,0.5,10\nRT,2,2,0.5,10\nBE,0,,1,30\n"), "test");
        // Two slots: the third call waits for the first to end at 10.5 s.
        assertEquals(8.5 + 0.5, t.modelFloorP95(2, 3000), 1e-9);
        assertEquals(0.5, t.modelFloorP95(3, 3000), 1e-9);
        assertEquals(0, t.withoutBatch().be().size());
        assertEquals(3, t.withoutBatch().rt().size());
    }

    @Test
    void bothTracesLoadByName() throws Exception {
        assertEquals(45, Trace.load("adr").rt().size());
        assertEquals(62, Trace.load("burst").rt().size());
        assertEquals(600, Trace.load("burst").be().size());
        assertEquals("burst", Trace.known("sample-app/src/main/resources/burst-trace.csv"));
        assertThrows(java.io.IOException.class, () -> Trace.load("no-such-trace.csv"));
    }

    @Test
    void optionsPutTheFloorFirstAndRenameTheFleetRuns() {
        Demo.Options o = Demo.Options.fromArgs("--runs", "aef", "--trace", "burst", "--repeat", "3");
        assertEquals(List.of("floor", "a", "e", "f"), o.runs().stream().map(RunSpec::id).toList());
        assertEquals("burst", o.trace());
        assertEquals(3, o.repeat());
        assertEquals(List.of("floor", "floor-3", "a", "b", "c", "d", "e", "f", "g", "h"),
                Demo.Options.fromArgs().runs().stream().map(RunSpec::id).toList());
        assertEquals(List.of("c", "g", "h"),
                Demo.Options.fromArgs("--runs", "cg", "--fleet", "2", "--no-floor").runs().stream().map(RunSpec::id)
                        .toList());
        assertTrue(Demo.agentArgs(RunSpec.byId("e", 3)).endsWith(",preemption=transparent,preemption.resume=restart,preemption.budget=off"));
        assertTrue(Demo.agentArgs(RunSpec.byId("f", 3)).endsWith(",preemption=transparent"));
        assertThrows(IllegalArgumentException.class, () -> Demo.Options.fromArgs("--repeat", "0"));
        assertEquals(Path.of("x"), Demo.Options.fromArgs("--out", "x").outDir());
    }

    @Test
    void everyOtherRoundRunsInReverseOrderSoThatDriftFavoursNoRun() {
        List<RunSpec> runs = Demo.Options.fromArgs("--runs", "cf").runs(); // the floor first, then (c) and (f)
        assertEquals(List.of("floor", "c", "f"), Demo.inRoundOrder(runs, 0).stream().map(RunSpec::id).toList());
        assertEquals(List.of("f", "c", "floor"), Demo.inRoundOrder(runs, 1).stream().map(RunSpec::id).toList());
        assertEquals(List.of("floor", "c", "f"), Demo.inRoundOrder(runs, 2).stream().map(RunSpec::id).toList());
    }
}
