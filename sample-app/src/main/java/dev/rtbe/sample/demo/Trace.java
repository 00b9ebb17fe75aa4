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

/** The ADR-day trace (shared/bench/adr-day-trace.csv): RT rows with arrivals, BE rows in issue order. */
public record Trace(List<Row> rt, List<Row> be, String source) {

    /** One row, unscaled seconds; {@code arrivalS} is NaN for BE. */
    public record Row(String kind, int seq, double arrivalS, double prefillS, double genS) {
        public double slotS() {
            return prefillS + genS;
        }
    }

    public static final String RESOURCE = "/adr-day-trace.csv";

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

    /** Reads {@code file} if it exists, else the copy bundled in the jar. */
    public static Trace load(Path file) throws IOException {
        if (file != null && Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                return parse(r, file.toString());
            }
        }
        InputStream in = Trace.class.getResourceAsStream(RESOURCE);
        if (in == null) {
            throw new IOException("no trace at " + file + " and none bundled");
        }
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return parse(r, "classpath:" + RESOURCE);
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
