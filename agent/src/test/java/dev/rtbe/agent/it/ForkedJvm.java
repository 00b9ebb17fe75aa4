package dev.rtbe.agent.it;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs an application main class in a fresh JVM with the built agent jar, the way a user would,
 * and collects what it printed. The class path is the test's, minus the agent's own classes and
 * its unshaded dependencies, so the agent is only what the jar provides.
 */
final class ForkedJvm {
    static final Path AGENT_JAR = Paths.get(System.getProperty("rtbe.agent.jar", "target/rtbe-agent.jar"))
            .toAbsolutePath();

    record Result(int exitCode, String stdout, String stderr) {
        List<String> lines(String prefix) {
            return stdout.lines().filter(l -> l.startsWith(prefix)).collect(Collectors.toList());
        }

        String value(String key) {
            return stdout.lines().filter(l -> l.startsWith(key + " ")).map(l -> l.substring(key.length() + 1))
                    .findFirst().orElseThrow(() -> new AssertionError("no line '" + key + "' in:\n" + this));
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    static final Path OTEL_AGENT_JAR = Paths.get(System.getProperty("otel.javaagent.jar",
            "target/it-agents/opentelemetry-javaagent.jar")).toAbsolutePath();

    private final List<String> jvmArgs = new ArrayList<>();
    private final List<String> agentsBefore = new ArrayList<>();
    private final List<String> agentsAfter = new ArrayList<>();
    private final List<String> hiddenFromClassPath = new ArrayList<>();
    private boolean withAgent = true;
    private java.time.Duration timeout = java.time.Duration.ofSeconds(90);
    private String agentArgs;

    /** Leaves class path entries whose path contains {@code fragment} out of the application's class path. */
    ForkedJvm withoutClassPathEntries(String fragment) {
        hiddenFromClassPath.add(fragment);
        return this;
    }

    ForkedJvm property(String key, Object value) {
        jvmArgs.add("-D" + key + "=" + value);
        return this;
    }

    ForkedJvm jvmArg(String arg) {
        jvmArgs.add(arg);
        return this;
    }

    /** Another -javaagent on the same command line, before or after ours. */
    ForkedJvm otherAgent(Path jar, boolean beforeOurs) {
        (beforeOurs ? agentsBefore : agentsAfter).add("-javaagent:" + jar);
        return this;
    }

    /** How long the application may run (90 s unless set). */
    ForkedJvm timeout(java.time.Duration limit) {
        timeout = limit;
        return this;
    }

    ForkedJvm withoutAgent() {
        withAgent = false;
        return this;
    }

    ForkedJvm agentArgs(String args) {
        agentArgs = args;
        return this;
    }

    Result run(Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(agentsBefore);
        if (withAgent) {
            command.add("-javaagent:" + AGENT_JAR + (agentArgs == null ? "" : "=" + agentArgs));
        }
        command.addAll(agentsAfter);
        command.add("-Xshare:off"); // quiets the JVM's note about CDS and the appended boot class path
        // The C1 compiler only: these JVMs live seconds, and C2's compiling was about half of their CPU time
        // (the tests fork some hundred of them, two at a time, on two cores). Not beside another agent: with
        // the OpenTelemetry agent on JDK 25 our last spans then missed the exit's bounded flush (TelemetryIT).
        if (agentsBefore.isEmpty() && agentsAfter.isEmpty()) {
            command.add("-XX:TieredStopAtLevel=1");
        }
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(applicationClassPath(hiddenFromClassPath));
        command.add(main.getName());
        command.addAll(Arrays.asList(args));
        try {
            Process process = new ProcessBuilder(command).start();
            process.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread outReader = drain(process.getInputStream(), out);
            Thread errReader = drain(process.getErrorStream(), err);
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                // What it was doing, so a hang can be found from one report: its threads and its output so far.
                String threads = threadDump(process.pid());
                process.destroyForcibly();
                String said;
                synchronized (out) {
                    synchronized (err) {
                        said = "\n--- stdout:\n" + out.toString(StandardCharsets.UTF_8) + "\n--- stderr:\n"
                                + err.toString(StandardCharsets.UTF_8);
                    }
                }
                throw new AssertionError("forked JVM did not finish in " + timeout + ": " + command + said
                        + "\n--- threads:\n" + threads);
            }
            outReader.join(10_000);
            errReader.join(10_000);
            synchronized (out) {
                synchronized (err) {
                    return new Result(process.exitValue(), out.toString(StandardCharsets.UTF_8),
                            err.toString(StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The threads of a running JVM, by the JDK's jstack; or why not. */
    private static String threadDump(long pid) {
        try {
            Process jstack = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "jstack").toString(),
                    "-l", Long.toString(pid)).redirectErrorStream(true).start();
            ByteArrayOutputStream dump = new ByteArrayOutputStream();
            Thread reader = drain(jstack.getInputStream(), dump);
            if (!jstack.waitFor(30, TimeUnit.SECONDS)) {
                jstack.destroyForcibly();
            }
            reader.join(5_000);
            synchronized (dump) {
                return dump.toString(StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            return "no thread dump: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "no thread dump: " + e;
        }
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream sink) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    synchronized (sink) {
                        sink.write(buffer, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String applicationClassPath(List<String> hidden) {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> hidden.stream().noneMatch(entry::contains))
                .filter(entry -> !Paths.get(entry).toAbsolutePath().normalize()
                        .endsWith(Paths.get("agent", "target", "classes")))
                .filter(entry -> !entry.contains("org/ow2/asm"))
                .collect(Collectors.joining(File.pathSeparator));
    }
}
