package dev.rtbe.sample.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimulatorConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The news service carries no rtbe code: the agent's settings and one header classify its calls. */
class ClassificationPathsTest {

    @Test
    void eachPathIsClassifiedByItsRule() throws Exception {
        Demo.Options o = Demo.Options.fromArgs("--quiet");
        assertTrue(Files.isRegularFile(o.agentJar()), "agent jar missing: " + o.agentJar());
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(2).timeScale(100)
                .acceptAnyModel(true).build())) {
            String endpoint = sim.baseUri().getHost() + ":" + sim.baseUri().getPort();
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-javaagent:" + o.agentJar().toAbsolutePath() + "=slots.total=2,slots.rt-reserved=1"));
            cmd.addAll(Demo.agentProperties(endpoint, 100));
            cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                    ClassificationCheck.class.getName(), sim.baseUri().toString()));
            Path log = Files.createTempFile("classification", ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "check did not end");
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("call RT by=header"), "headline call RT by header:\n" + out);
            assertTrue(out.contains("call RT by=stack"), "interactive stream RT by call stack:\n" + out);
            assertTrue(out.contains("call BE by=thread"), "batch call BE by thread name:\n" + out);
            assertEquals(3, sim.records().size(), "calls that reached the server");
            for (RequestRecord r : sim.records()) {
                assertNull(r.header("X-Rtbe-Priority"), "the classification header is stripped before sending");
            }
        }
    }
}
