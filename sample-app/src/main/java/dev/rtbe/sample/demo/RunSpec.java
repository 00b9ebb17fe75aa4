package dev.rtbe.sample.demo;

import java.util.List;

/**
 * One demo run: with or without the agent, its slot settings, and the server's slot count.
 *
 * @param preemption the agent's transparent preemption, and what a preempted call does when it gets a slot again
 * @param reference  the matching row of shared/bench/README.md (unscaled seconds), or null
 * @param jvms       how many application JVMs share the trace and the server (1, or a fleet run's K)
 * @param redis      the JVMs' agents count slots together through one Redis (rtbe.coordination)
 * @param batch      the trace's batch work is replayed; false for the floor run (RT alone)
 */
public record RunSpec(String id, String label, boolean agent, int total, int reserved, int serverSlots,
                      Preemption preemption, Reference reference, int jvms, boolean redis, boolean batch) {

    /** One JVM, slots counted in it, the whole trace. */
    RunSpec(String id, String label, boolean agent, int total, int reserved, int serverSlots, Preemption preemption,
            Reference reference) {
        this(id, label, agent, total, reserved, serverSlots, preemption, reference, 1, false, true);
    }

    /** The agent's {@code rtbe.preemption} and {@code rtbe.preemption.resume}. */
    public enum Preemption {
        NONE(""),
        /** A preempted call starts again from zero, preemption unbounded (the behaviour before issue 12). */
        RESTART(",preemption=transparent,preemption.resume=restart,preemption.budget=off"),
        /** A preempted call continues from its output so far (rtbe.preemption.resume's default, continue). */
        CONTINUE(",preemption=transparent");

        /** What the run adds to the agent's arguments. */
        public final String agentArgs;

        Preemption(String agentArgs) {
            this.agentArgs = agentArgs;
        }
    }

    /** A reference row; NaN where the README gives no figure. */
    public record Reference(String policy, double mean, double p95, double max, double bePerHour) {}

    public static final Reference REF_FIFO = new Reference("no scheduler (server FIFO)", 154.9, 186.6, 193.6, 158.4);
    public static final Reference REF_PRIORITY = new Reference("strict priority, no reservation", 15.2, 34.2, 44.9, 158.4);
    public static final Reference REF_R1N2 = new Reference("strict reservation, N=2, R=1", 1.40, 7.6, 9.9, 86.4);
    public static final Reference REF_R1N3 = new Reference("strict reservation, N=3, R=1", 1.40, 7.6, 9.9, 175.2);
    public static final List<Reference> OTHER_REFERENCES = List.of(
            new Reference("seed's Python scheduler, class defaults (FIFO RT, preemption)", 6.1, 44.1, 59.8, 122.4),
            new Reference("seed's Python scheduler as deployed (LIFO RT, preemption)", 0.45, 0.5, 0.5, 121.2));

    /** The floor runs' ids start with this. */
    static final String FLOOR = "floor";

    public static List<RunSpec> standard() {
        return List.of(
                new RunSpec("a", "no agent", false, 0, 0, 2, Preemption.NONE, REF_FIFO),
                new RunSpec("b", "agent N=2 R=0 (priority only)", true, 2, 0, 2, Preemption.NONE, REF_PRIORITY),
                new RunSpec("c", "agent N=2 R=1 (the seed's decision)", true, 2, 1, 2, Preemption.NONE, REF_R1N2),
                new RunSpec("d", "agent N=3 R=1, server 3 slots", true, 3, 1, 3, Preemption.NONE, REF_R1N3),
                new RunSpec("e", "agent N=2 R=0, transparent preemption, restart", true, 2, 0, 2, Preemption.RESTART,
                        null),
                new RunSpec("f", "agent N=2 R=0, resumable preemption", true, 2, 0, 2, Preemption.CONTINUE, null));
    }

    /** The fleet runs, with (c)'s settings in each of {@code jvms} JVMs: every JVM on its own, then one Redis fleet. */
    public static List<RunSpec> fleet(int jvms) {
        return List.of(
                new RunSpec("g", jvms + " JVMs, agent N=2 R=1 each, local", true, 2, 1, 2, Preemption.NONE, null, jvms,
                        false, true),
                new RunSpec("h", jvms + " JVMs, agent N=2 R=1, one Redis fleet", true, 2, 1, 2, Preemption.NONE, null,
                        jvms, true, true));
    }

    /**
     * What RT alone gets on {@code serverSlots} slots: the trace's RT calls, no batch work, no agent (RT still
     * queues behind RT in a burst). Id {@code floor}, or {@code floor-N} when the slots are not {@code baseSlots}.
     */
    public static RunSpec floor(int serverSlots, int baseSlots) {
        return new RunSpec(serverSlots == baseSlots ? FLOOR : FLOOR + "-" + serverSlots,
                "RT alone, no batch work, " + serverSlots + " slots", false, 0, 0, serverSlots, Preemption.NONE, null,
                1, false, false);
    }

    public static RunSpec byId(String id, int fleetJvms) {
        List<RunSpec> all = new java.util.ArrayList<>(standard());
        all.addAll(fleet(fleetJvms));
        return all.stream().filter(r -> r.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no run " + id + " (a, b, c, d, e, f, g, h)"));
    }

    /** Several JVMs share the trace. */
    public boolean isFleet() {
        return jvms > 1;
    }

    /** A floor run: RT alone. */
    public boolean isFloor() {
        return !batch;
    }

    /** The same run against a server of {@code slots} (real Ollama mode). */
    RunSpec withServerSlots(int slots) {
        if (!agent) {
            return new RunSpec(id, label, false, 0, 0, slots, Preemption.NONE, reference, jvms, redis, batch);
        }
        int t = id.equals("d") ? slots + 1 : slots;
        return new RunSpec(id, label.replaceAll("N=\\d", "N=" + t).replaceAll(", server \\d slots", ""), true, t,
                Math.min(reserved, t - 1), slots, preemption, reference, jvms, redis, batch);
    }
}
