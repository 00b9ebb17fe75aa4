package dev.rtbe.sample.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The text table and the self-contained HTML report (inline SVG, no scripts). */
final class Report {
    private static final String RT_COLOR = "#d62728";
    private static final String BE_COLOR = "#1f77b4";
    private static final String[] RUN_COLORS = {"#7f7f7f", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
        "#17becf"};

    static String table(List<RunResult> results, Demo.Options o) {
        StringBuilder sb = new StringBuilder();
        String unit = o.ollamaUrl() == null ? "unscaled seconds (real time x " + Demo.fmt(o.scale()) + ")"
                : "real seconds (real Ollama; trace arrivals compressed " + Demo.fmt(o.scale()) + "x; BE wait unknown)";
        sb.append(String.format(Locale.ROOT, "RT TTFT and BE throughput, %s; run length %s s%n", unit,
                Demo.fmt(results.isEmpty() ? o.runLengthS() : results.get(0).runLengthS())));
        String head = String.format(Locale.ROOT, "%-44s %4s %9s %7s %7s %7s %6s %8s %9s %8s %7s %7s%n", "run", "RT",
                "TTFT mean", "p50", "p95", "max", "p95/idle", "BE/hour", "BE maxwait", "BE done", "wasted", "stall");
        sb.append(head);
        sb.append("-".repeat(head.length() - 1)).append('\n');
        for (RunResult r : results) {
            RunSpec s = r.spec();
            sb.append(String.format(Locale.ROOT, "%-44s %4d %9s %7s %7s %7s %8s %8s %9s %8s %7s %7s%n",
                    "(" + s.id() + ") " + s.label(), r.rtTtfts().size(), f(r.ttftMean()), f(r.ttftPercentile(50)),
                    f(r.ttftPercentile(95)), f(r.ttftMax()), ratio(r.p95OverIdle()), f1(r.beDonePerHour()), f(r.beMaxWait()),
                    (r.count("BE") - r.failed("BE")) + "/" + r.count("BE"), percent(r.wastedSlotShare()),
                    f(r.maxStallS())));
            if (s.reference() != null && o.ollamaUrl() == null) {
                sb.append(refLine(s.reference()));
            }
        }
        if (o.ollamaUrl() == null) {
            sb.append("other reference rows (shared/bench/README.md):\n");
            for (RunSpec.Reference ref : RunSpec.OTHER_REFERENCES) {
                sb.append(refLine(ref));
            }
            sb.append(idleLine(results));
            sb.append("idle-server TTFT in the model (the RT prefill): 0.4 s; p95/idle of a run divides by the idle TTFT\n"
                    + "measured in that run (the same client, machine and time scale), of a ref row by 0.4 s.\n");
            sb.append("BE/hour relative to the run without the agent:" + beRatios(results) + "\n");
            sb.append(fleetLines(results));
            sb.append("wasted: server slot time spent on attempts the agent aborted\n"
                    + "(preempted batch calls, re-sent later), as a share of the run's slot time. stall: the app JVM's\n"
                    + "longest oversleep of a 1 ms sleep, unscaled; above a few seconds the machine was too busy for the\n"
                    + "replay's clock to follow the trace.\n");
        }
        return sb.toString();
    }

    private static String refLine(RunSpec.Reference ref) {
        String name = "    ref: " + ref.policy();
        if (name.length() > 49) {
            name = name.substring(0, 48) + "~";
        }
        return String.format(Locale.ROOT, "%-49s %9s %7s %7s %7s %8s %8s %9s%n", name, f(ref.mean()), "-", f(ref.p95()),
                f(ref.max()), ratio(ref.p95() / 0.4), f1(ref.bePerHour()), "-");
    }

    private static String f(double d) {
        if (Double.isNaN(d)) {
            return "-";
        }
        return String.format(Locale.ROOT, d < 10 ? "%.2f" : "%.1f", d);
    }

    private static String idleLine(List<RunResult> results) {
        StringBuilder sb = new StringBuilder("measured idle-server TTFT per run (unscaled s):");
        for (RunResult r : results) {
            sb.append(String.format(Locale.ROOT, " (%s) %s", r.spec().id(), f(r.idleTtftS() > 0 ? r.idleTtftS() : Double.NaN)));
        }
        return sb.append('\n').toString();
    }

    /** For fleet runs: how many requests the server held at once, and RT TTFT p95 against one JVM's (c). */
    private static String fleetLines(List<RunResult> results) {
        RunResult fleet = results.stream().filter(r -> r.spec().isFleet()).findFirst().orElse(null);
        if (fleet == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "fleet runs: the trace's RT and BE rows dealt"
                + " in turn to %d JVMs (%d batch workers in all), one %d-slot server.%nrequests inside the server at"
                + " once (running or queued in it), at most:", fleet.spec().jvms(), Demo.BE_WORKERS,
                fleet.spec().serverSlots()));
        for (RunResult r : results) {
            sb.append(String.format(Locale.ROOT, " (%s) %s", r.spec().id(),
                    r.maxAtServer() < 0 ? "-" : Integer.toString(r.maxAtServer())));
        }
        RunResult one = results.stream().filter(r -> r.spec().id().equals("c")).findFirst().orElse(null);
        if (one != null) {
            sb.append("\nRT TTFT p95 against one JVM with the same settings (c):");
            for (RunResult r : results) {
                if (r.spec().isFleet()) {
                    sb.append(String.format(Locale.ROOT, " (%s) %s", r.spec().id(),
                            ratio(r.ttftPercentile(95) / one.ttftPercentile(95))));
                }
            }
        }
        return sb.append('\n').toString();
    }

    private static String beRatios(List<RunResult> results) {
        RunResult base = results.stream().filter(r -> !r.spec().agent()).findFirst().orElse(null);
        if (base == null || base.beDonePerHour() <= 0) {
            return " (no run without the agent)";
        }
        StringBuilder sb = new StringBuilder();
        for (RunResult r : results) {
            sb.append(String.format(Locale.ROOT, " (%s) %.0f%%", r.spec().id(), 100 * r.beDonePerHour() / base.beDonePerHour()));
        }
        return sb.toString();
    }

    private static String ratio(double r) {
        return Double.isNaN(r) || Double.isInfinite(r) ? "-" : String.format(Locale.ROOT, "%.2fx", r);
    }

    private static String percent(double share) {
        return Double.isNaN(share) ? "-" : String.format(Locale.ROOT, "%.1f%%", share * 100);
    }

    private static String f1(double d) {
        return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.1f", d);
    }

    static Path writeHtml(List<RunResult> results, Demo.Options o, String table) throws IOException {
        return writeHtml(results, o, table, "");
    }

    /** The report with {@code extra} (an HTML section, e.g. the pools scenario's) after the runs. */
    static Path writeHtml(List<RunResult> results, Demo.Options o, String table, String extra) throws IOException {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>rtbe-agent demo</title>")
                .append("<style>body{font-family:system-ui,sans-serif;margin:20px;color:#222}")
                .append("pre{background:#f6f6f6;padding:10px;font-size:12px;overflow-x:auto}")
                .append("h2{margin-top:26px;font-size:17px}h1{font-size:21px}.note{color:#555;font-size:13px}")
                .append("svg text{font-family:system-ui,sans-serif}</style></head><body>");
        if (results.isEmpty()) { // only the pools scenario ran
            h.append("<h1>rtbe-agent demo</h1>").append(extra).append("</body></html>\n");
            return write(h, o);
        }
        h.append("<h1>rtbe-agent demo: the ADR-day trace, with and without the agent</h1>");
        h.append("<p class=\"note\">Each run replays the trace in its own JVM (a fleet run: split over several JVMs)"
                + " through langchain4j-ollama (JDK HttpClient)")
                .append(o.ollamaUrl() == null ? " against the in-process Ollama simulator" : " against " + esc(o.ollamaUrl()))
                .append(". Times in ").append(o.ollamaUrl() == null ? "unscaled seconds (time scale " + Demo.fmt(o.scale()) + ")"
                        : "real seconds").append(". <span style=\"color:" + RT_COLOR + "\">&#9632; RT</span> interactive streams, ")
                .append("<span style=\"color:" + BE_COLOR + "\">&#9632; BE</span> batch summaries.</p>");
        h.append("<pre>").append(esc(table)).append("</pre>");
        h.append("<h2>RT time to first token, every call (log scale)</h2>");
        h.append(ttftChart(results));
        double tMax = results.stream().flatMap(r -> r.slots().stream()).mapToDouble(RunResult.SlotSpan::end)
                .filter(d -> !Double.isNaN(d)).max().orElse(o.runLengthS());
        for (RunResult r : results) {
            h.append("<h2>(").append(r.spec().id()).append(") ").append(esc(r.spec().label())).append("</h2>");
            h.append(String.format(Locale.ROOT, "<p class=\"note\">%s; RT TTFT mean %s s, p95 %s s, max %s s;"
                            + " BE %s done per hour. Thin red bars above the slots: RT calls waiting (app start to first token).</p>",
                    r.serverSide() ? "server slots (simulator records)" : "app-side call spans",
                    f(r.ttftMean()), f(r.ttftPercentile(95)), f(r.ttftMax()), f1(r.beDonePerHour())));
            h.append(timeline(r, tMax));
        }
        h.append(extra);
        h.append("</body></html>\n");
        return write(h, o);
    }

    private static Path write(StringBuilder html, Demo.Options o) throws IOException {
        Path out = o.outDir().resolve("report.html");
        Files.writeString(out, html.toString(), StandardCharsets.UTF_8);
        return out;
    }

    /** Slot lanes: each request drawn in the first lane free at its start. */
    private static String timeline(RunResult r, double tMax) {
        int width = 1300;
        int left = 70;
        int plotW = width - left - 20;
        List<RunResult.SlotSpan> spans = new ArrayList<>(r.slots());
        spans.removeIf(s -> Double.isNaN(s.start()) || Double.isNaN(s.end()));
        spans.sort(Comparator.comparingDouble(RunResult.SlotSpan::start));
        List<Double> laneFree = new ArrayList<>();
        List<Integer> lanes = new ArrayList<>();
        for (RunResult.SlotSpan s : spans) {
            int lane = -1;
            for (int i = 0; i < laneFree.size(); i++) {
                if (laneFree.get(i) <= s.start() + 1e-6) {
                    lane = i;
                    break;
                }
            }
            if (lane < 0) {
                laneFree.add(0.0);
                lane = laneFree.size() - 1;
            }
            laneFree.set(lane, s.end());
            lanes.add(lane);
        }
        int nLanes = Math.max(laneFree.size(), r.spec().serverSlots());
        int laneH = 26;
        int waitTop = 18;
        int waitH = 30;
        int top = waitTop + waitH + 8;
        int height = top + nLanes * laneH + 30;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\">", width, height, width, height));
        sb.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\" font-size=\"11\">RT waiting</text>", waitTop + 18));
        for (int i = 0; i < nLanes; i++) {
            int y = top + i * laneH;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f3f3f3\"/>"
                    + "<text x=\"4\" y=\"%d\" font-size=\"11\">slot %d</text>", left, y, plotW, laneH - 4, y + 15, i + 1));
        }
        for (int i = 0; i < spans.size(); i++) {
            RunResult.SlotSpan s = spans.get(i);
            double x0 = left + s.start() / tMax * plotW;
            double w = Math.max(0.8, (s.end() - s.start()) / tMax * plotW);
            int y = top + lanes.get(i) * laneH;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
                            + "stroke=\"#fff\" stroke-width=\"0.5\"%s><title>%s: waited %.1f s at the server, slot %.1f-%.1f s%s</title></rect>",
                    x0, y, w, laneH - 4, s.kind().equals("RT") ? RT_COLOR : BE_COLOR,
                    s.aborted() ? " fill-opacity=\"0.3\"" : "", s.id(), s.start() - s.arrival(), s.start(), s.end(),
                    s.aborted() ? " (aborted: preempted, re-sent later)" : ""));
        }
        // RT waits as seen by the app: issue to first token, stacked in a few rows.
        List<CallRecord> rts = r.calls().stream().filter(c -> c.kind().equals("RT")).sorted(
                Comparator.comparingLong(CallRecord::issueNs)).toList();
        double[] rowEnd = new double[5];
        for (CallRecord c : rts) {
            double a = c.issueNs() * r.scale() / 1e9;
            double b = (c.firstNs() >= 0 ? c.firstNs() : c.endNs()) * r.scale() / 1e9;
            int row = 0;
            for (int k = 0; k < rowEnd.length; k++) {
                if (rowEnd[k] <= a) {
                    row = k;
                    break;
                }
                row = rowEnd.length - 1;
            }
            rowEnd[row] = b + tMax * 0.004;
            double x0 = left + a / tMax * plotW;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"4\" fill=\"%s\">"
                            + "<title>RT-%d: TTFT %.2f s</title></rect><circle cx=\"%.1f\" cy=\"%d\" r=\"2\" fill=\"%s\"/>",
                    x0, waitTop + row * 6, Math.max(1.5, (b - a) / tMax * plotW), RT_COLOR, c.seq(), b - a,
                    x0, waitTop + row * 6 + 2, RT_COLOR));
        }
        int axisY = top + nLanes * laneH + 2;
        double step = niceStep(tMax / 10);
        for (double t = 0; t <= tMax; t += step) {
            double x = left + t / tMax * plotW;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s s</text>",
                    x, axisY, x, axisY + 4, x, axisY + 16, Demo.fmt(t)));
        }
        if (r.runLengthS() < tMax) {
            double x = left + r.runLengthS() / tMax * plotW;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\" "
                    + "stroke-dasharray=\"3,3\"><title>end of arrivals</title></line>", x, waitTop - 4, x, axisY));
        }
        sb.append("</svg>");
        return sb.toString();
    }

    /** TTFT of every RT call: one row of dots per run on a log axis, with mean and p95 marks. */
    private static String ttftChart(List<RunResult> results) {
        int width = 1300;
        int left = 330;
        int plotW = width - left - 30;
        int rowH = 34;
        int top = 10;
        int height = top + results.size() * rowH + 40;
        double lo = Math.log10(0.1);
        double hi = Math.log10(1000);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\">", width, height, width, height));
        for (double v : new double[] {0.1, 0.4, 1, 2, 5, 10, 30, 100, 300, 1000}) {
            double x = left + (Math.log10(v) - lo) / (hi - lo) * plotW;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s s</text>",
                    x, top, x, top + results.size() * rowH, v == 0.4 ? "#2ca02c" : "#e3e3e3", x,
                    top + results.size() * rowH + 14, Demo.fmt(v)));
        }
        double x04 = left + (Math.log10(0.4) - lo) / (hi - lo) * plotW;
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#2ca02c\">idle-server TTFT"
                + "</text>", x04 + 3, top + results.size() * rowH + 28));
        for (int i = 0; i < results.size(); i++) {
            RunResult r = results.get(i);
            int y = top + i * rowH + rowH / 2;
            String color = RUN_COLORS[i % RUN_COLORS.length];
            sb.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\" font-size=\"12\">(%s) %s</text>", y + 4,
                    r.spec().id(), esc(r.spec().label())));
            List<Double> t = r.rtTtfts();
            for (int k = 0; k < t.size(); k++) {
                double v = Math.max(0.1, Math.min(1000, t.get(k)));
                double x = left + (Math.log10(v) - lo) / (hi - lo) * plotW;
                double jitter = ((k * 37) % 11 - 5) * 1.6;
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" "
                        + "fill-opacity=\"0.6\"><title>%.2f s</title></circle>", x, y + jitter, color, t.get(k)));
            }
            for (double[] m : new double[][] {{r.ttftMean(), 0}, {r.ttftPercentile(95), 1}}) {
                if (Double.isNaN(m[0])) {
                    continue;
                }
                double x = left + (Math.log10(Math.max(0.1, Math.min(1000, m[0]))) - lo) / (hi - lo) * plotW;
                sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\" "
                                + "stroke-width=\"%s\"><title>%s %.2f s</title></line>", x, y - 13, x, y + 13,
                        m[1] == 0 ? "2" : "1", m[1] == 0 ? "mean" : "p95", m[0]));
            }
        }
        sb.append("</svg><p class=\"note\">Thick line: mean; thin line: p95.</p>");
        return sb.toString();
    }

    private static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private Report() {}
}
