package dev.rtbe.sample.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A replay trace (the ADR day, the burst trace, or a CSV in their columns): RT rows with arrivals, BE rows in issue order. */
public record Trace(List<Row> rt, List<Row> be, String source) {

    /** One row, unscaled seconds; {@code arrivalS} is NaN for BE. */
    public record Row(String kind, int seq, double arrivalS, double prefillS, double genS) {
        public double slotS() {
            return prefillS + genS;
        }
    }

    /** The ADR day, bundled (a copy of shared/bench/adr-day-trace.csv). */
    public static final String RESOURCE = "/adr-day-trace.csv";
    /** RT bursts and 10-90 s batch calls, generated with a documented seed (sample-app/README.md). */
    public static final String BURST_RESOURCE = "/burst-trace.csv";

    /** Which of the two checked-in traces {@code spec} names ({@code adr}, {@code burst} or their file), or null. */
    public static String known(String spec) {
        if (spec == null || spec.equals("adr") || spec.endsWith("adr-day-trace.csv")) {
            return "adr";
        }
        return spec.equals("burst") || spec.endsWith("burst-trace.csv") ? "burst" : null;
    }

    /** The same trace without its batch rows: what RT alone would get. */
    public Trace withoutBatch() {
        return new Trace(rt, List.of(), source + " RT alone");
    }

    /**
     * The floor in the model: RT TTFT p95 of the RT rows arriving before {@code runLengthS} alone on {@code slots}
     * FIFO slots, with no overhead (a call's TTFT is its wait behind earlier RT calls plus its prefill).
     */
    public double modelFloorP95(int slots, double runLengthS) {
        double[] free = new double[slots];
        List<Double> ttfts = new ArrayList<>();
        for (Row row : rt) {
            if (row.arrivalS() >= runLengthS) {
                break;
            }
            int s = 0;
            for (int i = 1; i < slots; i++) {
                s = free[i] < free[s] ? i : s;
            }
            double start = Math.max(row.arrivalS(), free[s]);
            free[s] = start + row.slotS();
            ttfts.add(start - row.arrivalS() + row.prefillS());
        }
        ttfts.sort(null);
        return RunResult.percentile(ttfts, 95);
    }

    /** The share of JVM {@code k} of {@code of} sharing the trace: every {@code of}-th RT and BE row from the k-th. */
    public Trace part(int k, int of) {
        if (of < 1 || k < 0 || k >= of) {
            throw new IllegalArgumentException("part " + k + "/" + of);
        }
        return of == 1 ? this : new Trace(every(rt, k, of), every(be, k, of), source + " part " + k + "/" + of);
    }

    private static List<Row> every(List<Row> rows, int k, int of) {
        List<Row> out = new ArrayList<>();
        for (int i = k; i < rows.size(); i += of) {
            out.add(rows.get(i));
        }
        return List.copyOf(out);
    }

    /**
     * {@code adr} (default, null): shared/bench/adr-day-trace.csv when the repository is at hand, else the bundled
     * copy; {@code burst}: the bundled burst trace; anything else: a CSV file in the same columns.
     */
    public static Trace load(String spec) throws IOException {
        if (spec == null || spec.equals("adr")) {
            Path root = Demo.repoRoot();
            Path shared = root == null ? null : root.resolve("../shared/bench/adr-day-trace.csv").normalize();
            return shared != null && Files.isRegularFile(shared) ? load(shared) : bundled(RESOURCE);
        }
        return spec.equals("burst") ? bundled(BURST_RESOURCE) : load(Path.of(spec));
    }

    static Trace load(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(r, file.toString());
        }
    }

    private static Trace bundled(String resource) throws IOException {
        InputStream in = Trace.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("no trace " + resource + " bundled");
        }
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return parse(r, "classpath:" + resource);
        }
    }

    static Trace parse(Reader reader, String source) throws IOException {
        List<Row> rt = new ArrayList<>();
        List<Row> be = new ArrayList<>();
        BufferedReader br = new BufferedReader(reader);
        String line = br.readLine(); // header
        while ((line = br.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            Row row = new Row(f[0], Integer.parseInt(f[1]),
                    f[2].isEmpty() ? Double.NaN : Double.parseDouble(f[2]),
                    Double.parseDouble(f[3]), Double.parseDouble(f[4]));
            (row.kind().equals("RT") ? rt : be).add(row);
        }
        return new Trace(List.copyOf(rt), List.copyOf(be), source);
    }
}
