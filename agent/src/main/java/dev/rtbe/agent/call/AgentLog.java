package dev.rtbe.agent.call;

import java.io.PrintStream;
import java.util.function.Consumer;

/** The agent's few lines for operators: start-up, warnings, and (if asked) one line per call. */
public final class AgentLog {
    private final PrintStream out;

    public AgentLog(PrintStream out) {
        this.out = out;
    }

    public static AgentLog stderr() {
        return new AgentLog(System.err);
    }

    public void info(String message) {
        out.println("[rtbe] " + message);
    }

    public void warn(String message) {
        out.println("[rtbe] WARNING: " + message);
    }

    /** {@link #info} as a consumer (a class, not {@code log::info}: no lambda class is spun at start-up). */
    public Consumer<String> infoLines() {
        return new Lines(this, false);
    }

    /** {@link #warn} as a consumer. */
    public Consumer<String> warnings() {
        return new Lines(this, true);
    }

    private static final class Lines implements Consumer<String> {
        private final AgentLog log;
        private final boolean warning;

        Lines(AgentLog log, boolean warning) {
            this.log = log;
            this.warning = warning;
        }

        @Override
        public void accept(String message) {
            if (warning) {
                log.warn(message);
            } else {
                log.info(message);
            }
        }
    }
}
