package dev.rtbe.simulator.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Writes the burst trace (sample-app/src/main/resources/burst-trace.csv), in the ADR-day trace's columns
 * ({@code kind,seq,arrival_s,prefill_s,gen_s}, unscaled seconds, see shared/bench/README.md): RT streams arrive in
 * bursts, 8 closed-loop BE workers issue batch calls of 10-90 s. Everything is drawn from one
 * {@code java.util.Random(SEED)} (an algorithm fixed by its Javadoc, so every JVM draws the same numbers): the RT
 * bursts first, then the BE rows.
 *
 * <p>{@code java -cp simulator/target/test-classes dev.rtbe.simulator.bench.BurstTrace [FILE]} writes FILE
 * (default: the checked-in path, from the repository root) and prints the summary statistics.
 */
public final class BurstTrace {
    public static final long SEED = 1212;
    public static final double RUN_LENGTH_S = 3000;
    public static final int BE_ROWS = 600;

    // RT: a burst of 3-6 streams within BURST_SPREAD_S, every 150-330 s (4 minutes on average), the first
    // 60-180 s in. Each stream: the ADR day's 0.4 s prefill, then 6-14 s of generation.
    static final int BURST_MIN = 3;
    static final int BURST_MAX = 6;
    static final double BURST_SPREAD_S = 4;
    static final double FIRST_BURST_MIN_S = 60;
    static final double FIRST_BURST_MAX_S = 180;
    static final double GAP_MIN_S = 150;
    static final double GAP_MAX_S = 330;
    static final double RT_PREFILL_S = 0.4;
    static final double RT_GEN_MIN_S = 6;
    static final double RT_GEN_MAX_S = 14;

    // BE: slot time (prefill + generation) uniform in 10-90 s, of which 0.4-2.0 s of prefill (long batch prompts).
    static final double BE_SLOT_MIN_S = 10;
    static final double BE_SLOT_MAX_S = 90;
    static final double BE_PREFILL_MIN_S = 0.4;
    static final double BE_PREFILL_MAX_S = 2.0;

    /** One row; {@code burst} is the RT burst index (-1 for BE), {@code arrivalS} NaN for BE. */
    public record Row(String kind, int seq, int burst, double arrivalS, double prefillS, double genS) {
        String csv() {
            return kind + "," + seq + "," + (Double.isNaN(arrivalS) ? "" : fmt(arrivalS)) + "," + fmt(prefillS)
                    + "," + fmt(genS);
        }
    }

    private BurstTrace() {}

    /** The rows, RT in arrival order then BE in issue order, rounded to the milliseconds the CSV holds. */
    public static List<Row> rows(long seed) {
        Random rnd = new Random(seed);
        List<Row> rows = new ArrayList<>();
        int seq = 0;
        int burst = 0;
        for (double start = uniform(rnd, FIRST_BURST_MIN_S, FIRST_BURST_MAX_S);
                start + BURST_SPREAD_S < RUN_LENGTH_S;
                start += uniform(rnd, GAP_MIN_S, GAP_MAX_S), burst++) {
            int size = BURST_MIN + rnd.nextInt(BURST_MAX - BURST_MIN + 1);
            double[] arrivals = new double[size];
            for (int i = 0; i < size; i++) arrivals[i] = round(start + uniform(rnd, 0, BURST_SPREAD_S));
            Arrays.sort(arrivals);
            for (double at : arrivals) {
                rows.add(new Row("RT", seq++, burst, at, RT_PREFILL_S, round(uniform(rnd, RT_GEN_MIN_S, RT_GEN_MAX_S))));
            }
        }
        for (int k = 0; k < BE_ROWS; k++) {
            double slot = round(uniform(rnd, BE_SLOT_MIN_S, BE_SLOT_MAX_S));
            double prefill = round(uniform(rnd, BE_PREFILL_MIN_S, BE_PREFILL_MAX_S));
            rows.add(new Row("BE", k, -1, Double.NaN, prefill, round(slot - prefill)));
        }
        return rows;
    }

    /** The CSV text, header first, "\n" line ends. */
    public static String csv(List<Row> rows) {
        StringBuilder sb = new StringBuilder("kind,seq,arrival_s,prefill_s,gen_s\n");
        for (Row r : rows) sb.append(r.csv()).append('\n');
        return sb.toString();
    }

    /** The summary statistics documented in sample-app/README.md. */
    public static String summary(List<Row> rows) {
        List<Row> rt = rows.stream().filter(r -> r.kind().equals("RT")).toList();
        List<Row> be = rows.stream().filter(r -> r.kind().equals("BE")).toList();
        int bursts = rt.get(rt.size() - 1).burst() + 1;
        double beMean = be.stream().mapToDouble(r -> r.prefillS() + r.genS()).average().orElse(0);
        double beMin = be.stream().mapToDouble(r -> r.prefillS() + r.genS()).min().orElse(0);
        double beMax = be.stream().mapToDouble(r -> r.prefillS() + r.genS()).max().orElse(0);
        double rtGen = rt.stream().mapToDouble(Row::genS).average().orElse(0);
        int largest = 0;
        for (int b = 0; b < bursts; b++) {
            final int id = b;
            largest = Math.max(largest, (int) rt.stream().filter(r -> r.burst() == id).count());
        }
        return String.format(Locale.ROOT, "seed %d: %d RT streams in %d bursts (largest %d), first at %s s, last at %s s,"
                        + " mean generation %s s; %d BE rows, slot time mean %s s, min %s s, max %s s",
                SEED, rt.size(), bursts, largest, fmt(rt.get(0).arrivalS()), fmt(rt.get(rt.size() - 1).arrivalS()),
                fmt(rtGen), be.size(), fmt(beMean), fmt(beMin), fmt(beMax));
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "sample-app/src/main/resources/burst-trace.csv");
        List<Row> rows = rows(SEED);
        Files.writeString(out, csv(rows), StandardCharsets.UTF_8);
        System.out.println("wrote " + out + ": " + summary(rows));
    }

    private static double uniform(Random rnd, double min, double max) {
        return min + (max - min) * rnd.nextDouble();
    }

    private static double round(double s) {
        return Math.round(s * 1000) / 1000.0;
    }

    private static String fmt(double s) {
        return String.format(Locale.ROOT, "%.3f", s);
    }
}
