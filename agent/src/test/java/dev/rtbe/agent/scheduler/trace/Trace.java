package dev.rtbe.agent.scheduler.trace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A workload trace in the columns of shared/bench/README.md ({@code kind,seq,arrival_s,prefill_s,gen_s},
 * unscaled seconds): RT rows are open-loop arrivals, BE rows are taken in issue order by closed-loop workers.
 */
final class Trace {
    static final double RUN_LENGTH_S = 3000;
    static final int BE_WORKERS = 8;

    static final class Row {
        final double arrivalS;
        final double prefillS;
        final double genS;

        Row(double arrivalS, double prefillS, double genS) {
            this.arrivalS = arrivalS;
            this.prefillS = prefillS;
            this.genS = genS;
        }
    }

    final String name;
    final List<Row> rt;
    final List<Row> be;

    private Trace(String name, List<Row> rt, List<Row> be) {
        this.name = name;
        this.rt = rt;
        this.be = be;
    }

    /** The ADR-day trace and the burst trace, checked in beside the demo that replays them. */
    static Trace adrDay() {
        return load("adr-day", "adr-day-trace.csv");
    }

    static Trace burst() {
        return load("burst", "burst-trace.csv");
    }

    /**
     * Heavy RT load, drawn from {@code java.util.Random(seed)}: RT streams arrive every 4-12 s (0.4 s prefill,
     * 6-14 s of generation: RT alone keeps about 1.25 of 2 slots busy), beside the burst trace's batch calls of
     * 10-90 s. Where reservation is the right answer: preemption can only throw batch work away.
     */
    static Trace heavyRt(long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        List<Row> rt = new ArrayList<>();
        for (double at = 30; at < RUN_LENGTH_S; at += 4 + 8 * rnd.nextDouble()) {
            rt.add(new Row(at, 0.4, 6 + 8 * rnd.nextDouble()));
        }
        List<Row> be = new ArrayList<>();
        for (int k = 0; k < 600; k++) {
            double slot = 10 + 80 * rnd.nextDouble();
            double prefill = 0.4 + 1.6 * rnd.nextDouble();
            be.add(new Row(Double.NaN, prefill, slot - prefill));
        }
        return new Trace("heavy-RT (seed " + seed + ")", rt, be);
    }

    /** The same trace without its batch work: what RT alone gets on the same slots (the floor). */
    Trace rtOnly() {
        return new Trace(name + " RT alone", rt, Collections.emptyList());
    }

    private static Trace load(String name, String file) {
        Path path = Path.of("..", "sample-app", "src", "main", "resources", file); // tests run in agent/
        List<Row> rt = new ArrayList<>();
        List<Row> be = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
                String[] f = line.split(",", -1);
                if (f.length != 5 || f[0].equals("kind")) {
                    continue;
                }
                double prefill = Double.parseDouble(f[3]);
                double gen = Double.parseDouble(f[4]);
                if (f[0].equals("RT")) {
                    rt.add(new Row(Double.parseDouble(f[2]), prefill, gen));
                } else {
                    be.add(new Row(Double.NaN, prefill, gen));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path.toAbsolutePath(), e);
        }
        return new Trace(name, rt, be);
    }
}
