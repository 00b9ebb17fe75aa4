package dev.rtbe.agent.classify;

import dev.rtbe.agent.scheduler.Priority;

/** The class of one call and the rule that decided it. */
public final class Classification {
    /** Which rule decided: recorded on the call's span and log line. */
    public enum Rule {
        HEADER("header"), STACK("stack"), THREAD("thread"), STREAMING("streaming"), DEFAULT("default");

        private final String label;

        Rule(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Priority priority;
    private final Rule rule;

    public Classification(Priority priority, Rule rule) {
        this.priority = priority;
        this.rule = rule;
    }

    public Priority priority() {
        return priority;
    }

    public Rule rule() {
        return rule;
    }

    @Override
    public String toString() {
        return priority + " by " + rule.label();
    }
}
