package dev.rtbe.sample.demo.pools;

import dev.rtbe.sample.demo.Demo;
import java.util.List;
import java.util.Locale;

/** The pools scenario's text table (printed after the main one) and its HTML section (inline SVG). */
public final class PoolsReport {
    private static final String RT_COLOR = "#d62728";
    private static final String BE_COLOR = "#1f77b4";
    private static final String EMB_COLOR = "#2ca02c";
    private static final String N_COLOR = "#111111";

    public static String table(List<PoolsRun> runs, PoolsScenario.Options o) {
        StringBuilder sb = new StringBuilder();
        List<PoolsRun> mixed = runs.stream().filter(r -> !r.id().equals("s")).toList();
        if (!mixed.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "Pools: one server, %s (%d slots) and %s (1 slot); 4 batch workers,"
                            + " 1 reader, 1 indexer; unscaled seconds (real time x %s)%n", PoolsScenario.CHAT_MODEL,
                    PoolsScenario.CHAT_SLOTS, PoolsScenario.EMBED_MODEL, Demo.fmt(o.scale())));
            String head = String.format(Locale.ROOT, "%-52s %5s %6s %7s %6s %9s %8s %8s %7s %7s%n", "run", "embed",
                    "idle", "median", "p95", "med/idle", "p95/idle", "RT TTFT", "RT p95", "failed");
            sb.append(head).append("-".repeat(head.length() - 1)).append('\n');
            for (PoolsRun r : mixed) {
                List<Long> emb = r.latenciesNs("EMB");
                List<Double> ttft = r.rtTtftsS();
                sb.append(String.format(Locale.ROOT, "%-52s %5d %6s %7s %6s %9s %8s %8s %7s %7d%n",
                        "(" + r.id() + ") " + r.label(), emb.size(),
                        f(r.idleEmbedNs() > 0 ? r.toSeconds(r.idleEmbedNs()) : Double.NaN),
                        f(r.toSeconds((long) PoolsRun.percentile(emb, 50))), f(r.toSeconds((long) PoolsRun.percentile(emb, 95))),
                        ratio(r.embedOverIdle(50)), ratio(r.embedOverIdle(95)), f(PoolsRun.percentile(ttft, 50)),
                        f(PoolsRun.percentile(ttft, 95)), r.failed()));
            }
            sb.append("embed: document embeddings (one after another); idle: their median latency on the idle server,\n"
                    + "measured in the same run after the load; RT TTFT: median time to first token of the reader's streams.\n");
        }
        runs.stream().filter(r -> r.id().equals("s")).findFirst().ifPresent(r -> sb.append(learningTable(r)));
        sb.append(targets(runs));
        return sb.toString();
    }

    /** The targets, each with the figure of this run and whether it was met. */
    private static String targets(List<PoolsRun> runs) {
        StringBuilder sb = new StringBuilder();
        runs.stream().filter(r -> r.id().equals("r")).findFirst().ifPresent(r -> sb.append(String.format(Locale.ROOT,
                "target: with pools, embeddings beside saturated batch chat within 1.2x of idle: median %s, p95 %s -> %s%n",
                ratio(r.embedOverIdle(50)), ratio(r.embedOverIdle(95)), r.embedOverIdle(50) <= 1.2 ? "met" : "not met")));
        runs.stream().filter(r -> r.id().equals("s")).findFirst().ifPresent(r -> {
            StringBuilder calls = new StringBuilder();
            StringBuilder waits = new StringBuilder();
            boolean reached = true;
            boolean quiet = true;
            for (String m : r.trueSlots().keySet()) {
                Learning l = Learning.of(r, m, waitFloor());
                calls.append(calls.length() == 0 ? "" : ", ").append(l.trueN()).append(": ")
                        .append(l.callsToReach() < 0 ? "never" : Integer.toString(l.callsToReach()));
                waits.append(waits.length() == 0 ? "" : ", ").append(l.trueN()).append(": ").append(f(l.rtMaxWaitAfterS()))
                        .append(" s");
                reached &= l.callsToReach() >= 0 && l.callsToReach() <= 20 && l.settledN() == l.trueN();
                quiet &= l.callsToReach() >= 0 && l.rtMaxWaitAfterS() <= waitFloor();
            }
            sb.append(String.format(Locale.ROOT, "target: learned N reaches the true N within 20 calls (and settles there):"
                    + " %s -> %s%n", calls, reached ? "met" : "not met"));
            sb.append(String.format(Locale.ROOT, "target: afterwards no RT call waits inside the server longer than one"
                    + " prefill (%s s): longest %s -> %s%n", f(waitFloor()), waits, quiet ? "met" : "not met"));
        });
        return sb.length() == 0 ? "" : "\n" + sb;
    }

    private static String learningTable(PoolsRun r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nN learned from scratch, (s) %s: one server, three models with 1, 2 and 4"
                + " slots,%n5 batch workers and 1 reader each, side by side%n", r.label()));
        String head = String.format(Locale.ROOT, "%-10s %6s %14s %7s %8s %7s %9s %18s %14s%n", "model", "true N",
                "reached @call", "at (s)", "N after", "final N", "settled N", "RT max wait inside", "waited inside");
        sb.append(head).append("-".repeat(head.length() - 1)).append('\n');
        for (String m : r.trueSlots().keySet()) {
            Learning l = Learning.of(r, m, waitFloor());
            sb.append(String.format(Locale.ROOT, "%-10s %6d %14s %7s %8s %7d %9d %18s %14s%n", m, l.trueN(),
                    l.callsToReach() < 0 ? "never" : Integer.toString(l.callsToReach()), f(l.reachS()),
                    l.minAfter() == l.maxAfter() ? Integer.toString(l.minAfter()) : l.minAfter() + "-" + l.maxAfter(),
                    l.finalN(), l.settledN(), l.callsToReach() < 0 ? "-" : f(l.rtMaxWaitAfterS()) + " s",
                    l.callsAfter() == 0 ? "-" : l.waitedAfter() + "/" + l.callsAfter()));
        }
        sb.append(String.format(Locale.ROOT, "reached @call: calls of the model the server had finished when the pool's N"
                + " first equalled the truth.%nsettled N: the N held longest over the second half of the run. After N first"
                + " equalled the truth: N after%n(its range; one above the truth while a probe is out), the longest wait of an"
                + " RT call inside the server,%nand the calls that waited inside the server longer than one RT prefill (%s s).%n",
                f(waitFloor())));
        return sb.toString();
    }

    /** The bound of the target: no RT call waits inside the server longer than one RT prefill (unscaled s). */
    static double waitFloor() {
        return Workload.LEARN.rtPrefillS();
    }

    /** The HTML section: embedding latencies per run, then per learning model N over time and the hidden wait. */
    public static String html(List<PoolsRun> runs, String table) {
        StringBuilder h = new StringBuilder();
        h.append("<h2>Pools: one server, a chat model and an embedding model</h2>");
        h.append("<pre>").append(esc(table)).append("</pre>");
        List<PoolsRun> mixed = runs.stream().filter(r -> !r.id().equals("s")).toList();
        if (!mixed.isEmpty()) {
            h.append("<h2>Embedding latency, every call (log scale, unscaled seconds)</h2>");
            h.append(embeddingChart(mixed));
        }
        for (PoolsRun r : runs) {
            if (!r.id().equals("s")) {
                continue;
            }
            h.append("<h2>N learned from scratch: the pool's N over time against the truth, and the wait hidden inside"
                    + " the server</h2><p class=\"note\">Black: the agent's N for the model's pool (JMX). Dashed green:"
                    + " the server's true slots. Dots below: each call's wait inside the server (<span style=\"color:"
                    + RT_COLOR + "\">RT</span>, <span style=\"color:" + BE_COLOR + "\">BE</span>), which the client"
                    + " only sees in Ollama's final-chunk timings.</p>");
            for (String m : r.trueSlots().keySet()) {
                h.append(learningChart(r, m));
            }
        }
        return h.toString();
    }

    private static String embeddingChart(List<PoolsRun> runs) {
        int width = 1100;
        int left = 380;
        int plotW = width - left - 30;
        int rowH = 34;
        int top = 10;
        int height = top + runs.size() * rowH + 30;
        double lo = Math.log10(0.1);
        double hi = Math.log10(200);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                + "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">", width, height, width, height));
        for (double v : new double[] {0.1, 0.3, 1, 3, 10, 30, 100}) {
            double x = left + (Math.log10(v) - lo) / (hi - lo) * plotW;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e3e3e3\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s s</text>", x, top, x,
                    top + runs.size() * rowH, x, top + runs.size() * rowH + 14, Demo.fmt(v)));
        }
        for (int i = 0; i < runs.size(); i++) {
            PoolsRun r = runs.get(i);
            int y = top + i * rowH + rowH / 2;
            sb.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\" font-size=\"12\">(%s) %s</text>", y + 4, r.id(),
                    esc(r.label())));
            if (r.idleEmbedNs() > 0) {
                double x = left + (Math.log10(Math.max(0.1, r.toSeconds(r.idleEmbedNs()))) - lo) / (hi - lo) * plotW;
                sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\" "
                        + "stroke-width=\"2\"><title>idle: %.2f s</title></line>", x, y - 12, x, y + 12,
                        r.toSeconds(r.idleEmbedNs())));
            }
            List<Long> l = r.latenciesNs("EMB");
            for (int k = 0; k < l.size(); k++) {
                double s = r.toSeconds(l.get(k));
                double x = left + (Math.log10(Math.max(0.1, Math.min(200, s))) - lo) / (hi - lo) * plotW;
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\" fill-opacity=\"0.6\">"
                        + "<title>%.2f s</title></circle>", x, y + ((k * 37) % 11 - 5) * 1.4, EMB_COLOR, s));
            }
        }
        return sb.append("</svg>").toString();
    }

    /** Two bands on one time axis: the pool's N against the truth, and below it each call's wait inside the server. */
    private static String learningChart(PoolsRun r, String model) {
        int width = 1100;
        int left = 80;
        int right = 20;
        int top = 22;
        int nH = 90;
        int gap = 12;
        int wH = 50;
        int plotW = width - left - right;
        int wTop = top + nH + gap;
        int height = wTop + wH + 22;
        int truth = r.trueSlots().get(model);
        List<NSample> samples = r.samples().stream().filter(s -> s.model().equals(model)).toList();
        List<PoolsRun.ServerSide> server = r.server().stream().filter(s -> s.model().equals(model)).toList();
        double tMax = server.stream().mapToDouble(PoolsRun.ServerSide::endS).filter(d -> !Double.isNaN(d)).max().orElse(1);
        int nMax = Math.max(truth + 2, samples.stream().mapToInt(NSample::n).max().orElse(1) + 1);
        double wMax = Math.max(1, server.stream().mapToDouble(PoolsRun.ServerSide::waitS).max().orElse(1));
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                + "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">", width, height, width, height));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"14\" font-size=\"12\">%s: true N = %d</text>", left,
                esc(model), truth));
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f7f7f7\"/>"
                + "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f7f7f7\"/>", left, top, plotW, nH, left,
                wTop, plotW, wH));
        for (int n = 0; n <= nMax; n++) {
            double y = top + nH - (double) n / nMax * nH;
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">N=%d</text>",
                    left - 4, y + 3, n));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%s s</text>"
                + "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">wait inside</text>"
                + "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">0 s</text>", left - 4, wTop + 8, f(wMax),
                left - 4, wTop + wH / 2 + 3, left - 4, wTop + wH));
        double yTruth = top + nH - (double) truth / nMax * nH;
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#2ca02c\" "
                + "stroke-dasharray=\"6,4\" stroke-width=\"2\"><title>true N = %d</title></line>", left, yTruth, left + plotW,
                yTruth, truth));
        for (PoolsRun.ServerSide s : server) {
            double x = left + s.arrivalS() / tMax * plotW;
            double y = wTop + wH - Math.min(1, s.waitS() / wMax) * wH;
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\" fill-opacity=\"0.7\">"
                    + "<title>%s: waited %.2f s inside the server</title></circle>", x, y,
                    s.kind().equals("RT") ? RT_COLOR : BE_COLOR, s.id(), s.waitS()));
        }
        StringBuilder path = new StringBuilder();
        double prevY = Double.NaN;
        for (NSample s : samples) {
            double x = left + Math.min(tMax, r.toSeconds(s.tNs())) / tMax * plotW;
            double y = top + nH - (double) s.n() / nMax * nH;
            path.append(path.length() == 0 ? String.format(Locale.ROOT, "M%.1f,%.1f", x, y)
                    : String.format(Locale.ROOT, " L%.1f,%.1f L%.1f,%.1f", x, prevY, x, y));
            prevY = y;
        }
        if (path.length() > 0) {
            path.append(String.format(Locale.ROOT, " L%.1f,%.1f", (double) left + plotW, prevY));
            sb.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"" + N_COLOR + "\" stroke-width=\"2\"/>");
        }
        double step = niceStep(tMax / 10);
        for (double t = 0; t <= tMax; t += step) {
            double x = left + t / tMax * plotW;
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s s</text>",
                    x, wTop + wH + 14, Demo.fmt(t)));
        }
        return sb.append("</svg>").toString();
    }

    private static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String f(double d) {
        if (Double.isNaN(d)) {
            return "-";
        }
        return String.format(Locale.ROOT, d < 10 ? "%.2f" : "%.1f", d);
    }

    private static String ratio(double r) {
        return Double.isNaN(r) || Double.isInfinite(r) ? "-" : String.format(Locale.ROOT, "%.2fx", r);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private PoolsReport() {}
}
