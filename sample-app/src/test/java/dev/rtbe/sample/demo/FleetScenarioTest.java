package dev.rtbe.sample.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo's fleet runs in short mode: the first 600 s of the trace at time scale 200, split over three
 * forked JVMs with the agent (N=2, R=1 each) against one 2-slot simulator, (g) each JVM on its own and (h)
 * one fleet on a real redis-server the demo starts. Asserts what coordination guarantees (the server never
 * holds more than N requests) and the direction of RT's time to first token, not its ratio.
 */
class FleetScenarioTest {
    private static Demo.Options options;
    private static List<RunResult> results;

    @BeforeAll
    static void runShortFleet() throws Exception {
        options = Demo.Options.fromArgs("--short", "--quiet", "--runs", "gh", "--fleet", "3", "--no-floor", "--out",
                "target/fleet-test");
        assertEquals(List.of("g", "h"), options.runs().stream().map(RunSpec::id).toList());
        assertTrue(Files.isRegularFile(options.agentJar()),
                "agent jar missing: " + options.agentJar() + "; build with mvn -B -ntp -pl sample-app -am package");
        results = Demo.run(options);
        System.out.println(Report.table(results, options));
    }

    private static RunResult run(String id) {
        return results.stream().filter(r -> r.spec().id().equals(id)).findFirst().orElseThrow();
    }

    /** The agent's own lines about coordination in the fleet run's JVMs, for failure messages. */
    private static String coordinationLog() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int k = 1; k <= 3; k++) {
            Path log = options.outDir().resolve("run-h-" + k + ".log");
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (line.contains("coordination")) {
                    sb.append("\n  jvm ").append(k).append(": ").append(line);
                }
            }
        }
        return sb.toString();
    }

    @Test
    void everyCallOfEveryJvmCompletes() throws Exception {
        long rtRows = Trace.load(options.trace()).rt().stream().filter(row -> row.arrivalS() < options.runLengthS())
                .count();
        for (RunResult r : results) {
            assertEquals(rtRows, r.rtTtfts().size(), r.spec().id() + ": RT calls with a first token");
            assertEquals(0, r.failed("RT") + r.failed("BE"), r.spec().id() + ": failed calls");
            assertTrue(r.count("BE") >= 8, r.spec().id() + ": only " + r.count("BE") + " BE calls");
        }
    }

    @Test
    void oneFleetKeepsTheServerAtItsSlotsWhereLocalSchedulersOverfillIt() throws Exception {
        int serverSlots = run("h").spec().serverSlots();
        assertTrue(run("h").maxAtServer() <= serverSlots, "coordinated: the server held " + run("h").maxAtServer()
                + " requests at once, more than its " + serverSlots + " slots; the agents said:" + coordinationLog());
        // Each JVM believes it owns both slots: up to one batch call each plus RT calls.
        assertTrue(run("g").maxAtServer() > serverSlots, "local schedulers: the server held at most "
                + run("g").maxAtServer() + " requests at once");
    }

    @Test
    void rtFirstTokensComeSoonerInOneFleetThanFromJvmsOnTheirOwn() throws Exception {
        double local = run("g").ttftPercentile(95);
        double fleet = run("h").ttftPercentile(95);
        assertTrue(fleet < local, String.format(Locale.ROOT,
                "RT TTFT p95: one fleet %.2f s, local schedulers %.2f s; the agents said:%s", fleet, local,
                coordinationLog()));
    }
}
