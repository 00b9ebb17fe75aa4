package dev.rtbe.sample.demo.pools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.sample.demo.Args;
import dev.rtbe.sample.demo.Demo;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pools scenario in short mode (three forked JVMs: one shared pool, a pool per model, N learned). Asserts
 * directions on generous bounds, not absolute times: they depend on the machine.
 */
class PoolsScenarioTest {
    private static PoolsScenario.Options options;
    private static List<PoolsRun> runs;

    @BeforeAll
    static void runShortScenario() throws Exception {
        String[] args = {"--short", "--quiet", "--out", "target/pools-test", "--pools-runs", "qrs"};
        Demo.Options demo = Demo.Options.fromArgs(args);
        assertTrue(Files.isRegularFile(demo.agentJar()),
                "agent jar missing: " + demo.agentJar() + "; build with mvn -B -ntp -pl sample-app -am package");
        options = PoolsScenario.Options.from(demo, Args.parse(args));
        runs = PoolsScenario.run(options);
        System.out.println(PoolsReport.table(runs, options));
    }

    private static PoolsRun run(String id) {
        return runs.stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void everyCallSucceeds() {
        for (PoolsRun r : runs) {
            assertEquals(0, r.failed(), r.id() + ": failed calls " + r.calls().stream().filter(c -> !c.ok()).toList());
            assertTrue(r.calls("BE").size() >= 4, r.id() + ": batch calls " + r.calls("BE").size());
            assertTrue(r.calls("RT").size() >= 2, r.id() + ": streams " + r.calls("RT").size());
        }
        assertTrue(run("q").calls("EMB").size() >= 2, "embeddings with a shared pool");
        assertTrue(run("r").calls("EMB").size() >= 10, "embeddings with pools");
    }

    @Test
    void embeddingsBesideBatchChatAreMuchFasterWithAPoolPerModel() {
        double shared = run("q").embedOverIdle(50);
        double pools = run("r").embedOverIdle(50);
        // Shared: an embedding queues behind batch summaries (tens of idle latencies); pools: about one.
        assertTrue(pools * 5 <= shared, String.format(Locale.ROOT,
                "median embedding latency over idle: shared pool %.2fx, a pool per model %.2fx; expected 5x apart", shared,
                pools));
        assertTrue(pools < 3, String.format(Locale.ROOT, "with pools the median embedding took %.2fx its idle latency", pools));
    }

    @Test
    void learnedNReachesTheTruthForEachModel() {
        PoolsRun s = run("s");
        for (String model : s.trueSlots().keySet()) {
            Learning l = Learning.of(s, model, PoolsReport.waitFloor());
            assertTrue(l.callsToReach() >= 0, model + ": N never reached " + l.trueN() + "; samples "
                    + s.samples().stream().filter(x -> x.model().equals(model)).toList());
            assertEquals(l.trueN(), l.settledN(), model + ": the N held longest over the second half of the run; samples "
                    + s.samples().stream().filter(x -> x.model().equals(model)).toList());
        }
    }
}
