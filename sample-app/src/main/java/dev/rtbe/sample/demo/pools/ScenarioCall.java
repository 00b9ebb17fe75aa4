package dev.rtbe.sample.demo.pools;

/**
 * One call of the pools scenario as the application saw it, real nanoseconds from the run's start.
 *
 * @param kind    RT (interactive stream), BE (batch summary) or EMB (document embedding)
 * @param model   the model it asked for
 * @param id      its X-Demo-Id, which the simulator's record of it carries too
 * @param firstNs first streamed token (RT), else -1
 */
public record ScenarioCall(String kind, String model, String id, long issueNs, long firstNs, long endNs, boolean ok,
                           String error) {

    String toLine() {
        return String.join("\t", "C", kind, model, id, Long.toString(issueNs), Long.toString(firstNs),
                Long.toString(endNs), Boolean.toString(ok), error == null ? "" : error.replaceAll("[\\t\\r\\n]+", " "));
    }

    static ScenarioCall parse(String[] f) {
        return new ScenarioCall(f[1], f[2], f[3], Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]),
                Boolean.parseBoolean(f[7]), f[8].isEmpty() ? null : f[8]);
    }

    public long latencyNs() {
        return endNs - issueNs;
    }
}
