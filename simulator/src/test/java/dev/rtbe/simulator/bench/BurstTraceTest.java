package dev.rtbe.simulator.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checked-in burst trace is what the generator writes with its documented seed, and has the stated form. */
class BurstTraceTest {
    // Maven runs tests in the module directory.
    static final Path CHECKED_IN = Path.of("..", "sample-app", "src", "main", "resources", "burst-trace.csv");

    @Test
    void regeneratingWithTheSeedReproducesTheCheckedInFile() throws Exception {
        assertTrue(Files.isRegularFile(CHECKED_IN), "missing " + CHECKED_IN.toAbsolutePath());
        String expected = BurstTrace.csv(BurstTrace.rows(BurstTrace.SEED));
        assertEquals(expected, Files.readString(CHECKED_IN, StandardCharsets.UTF_8),
                "regenerate with: java -cp simulator/target/test-classes dev.rtbe.simulator.bench.BurstTrace");
    }

    @Test
    void burstsOfRtAndBatchCallsOfTenToNinetySeconds() {
        List<BurstTrace.Row> rows = BurstTrace.rows(BurstTrace.SEED);
        List<BurstTrace.Row> rt = rows.stream().filter(r -> r.kind().equals("RT")).toList();
        List<BurstTrace.Row> be = rows.stream().filter(r -> r.kind().equals("BE")).toList();
        assertEquals(rows.size(), rt.size() + be.size());
        assertEquals(BurstTrace.BE_ROWS, be.size());
        for (int i = 0; i < be.size(); i++) {
            BurstTrace.Row r = be.get(i);
            assertEquals(i, r.seq());
            double slot = r.prefillS() + r.genS();
            assertTrue(slot >= 10 - 1e-9 && slot <= 90 + 1e-9, r.toString());
            assertTrue(r.prefillS() >= 0.4 && r.prefillS() <= 2.0, r.toString());
        }
        int bursts = rt.get(rt.size() - 1).burst() + 1;
        assertTrue(bursts >= 8, "a burst every few minutes over 3000 s: " + bursts);
        double previousStart = -1;
        for (int b = 0; b < bursts; b++) {
            final int id = b;
            List<BurstTrace.Row> burst = rt.stream().filter(r -> r.burst() == id).toList();
            assertTrue(burst.size() >= 3 && burst.size() <= 6, "burst " + b + ": " + burst.size());
            double start = burst.get(0).arrivalS();
            assertTrue(burst.get(burst.size() - 1).arrivalS() - start < BurstTrace.BURST_SPREAD_S, "burst " + b);
            if (previousStart >= 0) assertTrue(start - previousStart >= BurstTrace.GAP_MIN_S - BurstTrace.BURST_SPREAD_S);
            previousStart = start;
        }
        for (int i = 0; i < rt.size(); i++) {
            assertEquals(i, rt.get(i).seq());
            assertTrue(rt.get(i).arrivalS() < BurstTrace.RUN_LENGTH_S);
            if (i > 0) assertTrue(rt.get(i).arrivalS() >= rt.get(i - 1).arrivalS(), "arrival order");
        }
    }
}
