package dev.rtbe.sample.demo;

/**
 * One replayed call as the application saw it, in real (scaled) nanoseconds from the replay start.
 * {@code firstNs} is the first streamed token (RT) or -1; {@code slotS} the trace's unscaled slot time.
 */
public record CallRecord(String kind, int seq, long issueNs, long firstNs, long endNs, boolean ok,
                         double slotS, double prefillS, String thread, String error) {

    String toLine() {
        return String.join("\t", kind, Integer.toString(seq), Long.toString(issueNs), Long.toString(firstNs),
                Long.toString(endNs), Boolean.toString(ok), Double.toString(slotS), Double.toString(prefillS),
                thread, error == null ? "" : error.replaceAll("[\\t\\r\\n]+", " "));
    }

    static CallRecord parse(String line) {
        String[] f = line.split("\t", -1);
        return new CallRecord(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[4]), Boolean.parseBoolean(f[5]), Double.parseDouble(f[6]),
                Double.parseDouble(f[7]), f[8], f[9].isEmpty() ? null : f[9]);
    }
}
