package dev.rtbe.agent.it;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of the client contract suite: a driver (a client and its calling style), optionally run
 * from its own class loader on another version's jars, with what it cannot do (skipped, with the
 * reason) and the cells known to fail until the agent's fix for issue #9 lands (run, and the test
 * fails if such a cell passes, so the marker gets dropped).
 */
final class ClientVariant {
    final String name;
    final String driver;
    /** Jars the application loads child-first (another version of the client), or null for the test class path. */
    final Path jars;
    /** A fragment of the driver's self-description that proves the intended version ran. */
    final String expected;
    final Map<String, String> cannot = new LinkedHashMap<>();
    final Map<String, String> knownFailures = new LinkedHashMap<>();

    private ClientVariant(String name, String driver, Path jars, String expected) {
        this.name = name;
        this.driver = driver;
        this.jars = jars;
        this.expected = expected;
    }

    static ClientVariant of(String driver, String expected) {
        return new ClientVariant(driver, driver, null, expected);
    }

    /** The same driver on the jars in target/{@code dir} (copied there by the pom). */
    static ClientVariant onJars(String name, String driver, String dir, String expected) {
        return new ClientVariant(name, driver, ForkedJvm.AGENT_JAR.getParent().resolve(dir), expected);
    }

    ClientVariant cannot(String scenario, String why) {
        cannot.put(scenario, why);
        return this;
    }

    /** A cell that fails today and should pass once the agent change it names has landed. */
    ClientVariant knownFailure(String scenario, String why) {
        knownFailures.put(scenario, why);
        return this;
    }

    @Override
    public String toString() {
        return name;
    }
}
