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
        "#17becf", "#bcbd22", "#393b79", "#ad494a", "#637939"};

    static String table(List<RunResult> results, Demo.Options o) throws IOException {
        List<RunGroup> groups = RunGroup.of(results);
        Trace trace = Trace.load(o.trace());
        boolean simulated = o.ollamaUrl() == null;
        boolean adr = "adr".equals(Trace.known(o.trace()));
        StringBuilder sb = new StringBuilder();
        String unit = simulated ? "unscaled seconds (real time x " + Demo.fmt(o.scale()) + ")"
                : "real seconds (real Ollama; trace arrivals compressed " + Demo.fmt(o.scale()) + "x; BE wait unknown)";
        int rounds = groups.stream().mapToInt(g -> g.runs().size()).max().orElse(1);
        sb.append(String.format(Locale.ROOT, "RT TTFT and BE throughput, %s, %s; run length %s s%s%n",
                traceName(o), unit, Demo.fmt(results.isEmpty() ? o.runLengthS() : results.get(0).runLengthS()),
                rounds > 1 ? "; medians of " + rounds + " rounds" : ""));
        String head = String.format(Locale.ROOT, "%-50s %4s %9s %7s %7s %7s %9s %8s %9s %8s %7s %7s%n", "run", "RT",
                "TTFT mean", "p50", "p95", "max", "p95/floor", "BE/hour", "BE maxwait", "BE done", "wasted", "stall");
        sb.append(head);
        sb.append("-".repeat(head.length() - 1)).append('\n');
        for (RunGroup g : groups) {
            RunSpec s = g.spec();
            RunResult rep = g.representative();
            sb.append(String.format(Locale.ROOT, "%-50s %4.0f %9s %7s %7s %7s %9s %8s %9s %8s %7s %7s%n",
                    "(" + s.id() + ") " + s.label(), g.median(r -> r.rtTtfts().size()), f(g.median(RunResult::ttftMean)),
                    f(g.median(r -> r.ttftPercentile(50))), f(g.p95()), f(g.median(RunResult::ttftMax)),
                    ratio(g.p95OverFloor(groups)), f1(g.bePerHour()),
                    f(s.isFloor() ? Double.NaN : g.median(RunResult::beMaxWait)),
                    s.isFloor() ? "-" : (rep.count("BE") - rep.failed("BE")) + "/" + rep.count("BE"),
                    percent(g.wasted()), f(g.runs().stream().mapToDouble(RunResult::maxStallS).max().orElse(0))));
            if (s.reference() != null && simulated && adr) {
                sb.append(refLine(s.reference(), trace, s.serverSlots(), o.runLengthS()));
            }
        }
        if (simulated && adr) {
            sb.append("other reference rows (shared/bench/README.md):\n");
            for (RunSpec.Reference ref : RunSpec.OTHER_REFERENCES) {
                sb.append(refLine(ref, trace, 2, o.runLengthS()));
            }
        }
        sb.append(floorLine(groups, trace, o.runLengthS()));
        sb.append(idleLine(groups));
        sb.append("BE/hour relative to the run without the agent:" + beRatios(groups) + "\n");
        if (simulated) {
            sb.append(busyLine(groups));
        }
        sb.append(preemptionLine(groups));
        sb.append(fleetLines(groups));
        if (rounds > 1) {
            sb.append(roundsLine(groups));
        }
        Targets targets = Targets.forTrace(o.trace());
        if (targets != null && simulated) {
            sb.append(targets.lines(groups));
        }
        sb.append(simulated ? "wasted: server slot time thrown away on attempts the agent aborted (a preempted batch"
                + " call's\nattempt; when the next attempt continued its output, only the attempt's prefill and the"
                + " generation after\nits last kept token), as a share of the run's slot time. " : "");
        sb.append("stall: the app JVM's longest oversleep of a 1 ms sleep,\nunscaled (worst round); above a few seconds"
                + " the machine was too busy for the replay's clock to follow the trace.\n");
        return sb.toString();
    }

    private static String traceName(Demo.Options o) {
        String known = Trace.known(o.trace());
        return known == null ? o.trace() : known.equals("adr") ? "the ADR-day trace" : "the burst trace";
    }

    /** The floor runs against the floor in the model, which has no client, JVM or time-scale overhead. */
    private static String floorLine(List<RunGroup> groups, Trace trace, double runLengthS) {
        StringBuilder sb = new StringBuilder();
        for (RunGroup g : groups) {
            if (g.spec().isFloor()) {
                sb.append(String.format(Locale.ROOT, "%s: the trace's RT calls alone on %d slots, no batch work,"
                        + " no agent: RT TTFT p95 %s s;%n  in the model (RT alone on %d FIFO slots, no overhead) %s s."
                        + " p95/floor divides a row's p95 by the measured floor's%s.%n", g.spec().id(),
                        g.spec().serverSlots(), f(g.p95()), g.spec().serverSlots(),
                        f(trace.modelFloorP95(g.spec().serverSlots(), runLengthS)),
                        g.runs().size() > 1 ? " (medians)" : ""));
            }
        }
        return sb.length() > 0 ? sb.toString() : "no floor run (--no-floor): p95/floor unknown\n";
    }

    private static String busyLine(List<RunGroup> groups) {
        StringBuilder sb = new StringBuilder("server slots busy before the run length (share of its slot time):");
        for (RunGroup g : groups) {
            sb.append(String.format(Locale.ROOT, " (%s) %s", g.spec().id(), percent(g.median(RunResult::busySlotShare))));
        }
        return sb.append('\n').toString();
    }

    private static String preemptionLine(List<RunGroup> groups) {
        StringBuilder sb = new StringBuilder();
        for (RunGroup g : groups) {
            if (g.spec().preemption() == RunSpec.Preemption.NONE) {
                continue;
            }
            if (g.runs().stream().anyMatch(r -> !r.serverSide())) { // a real server: no records of its slots here
                sb.append(String.format(Locale.ROOT, " (%s) unknown (the call log's preempted= fields)", g.spec().id()));
            } else {
                sb.append(String.format(Locale.ROOT, " (%s) %.0f", g.spec().id(),
                        g.median(r -> r.slots().stream().filter(RunResult.SlotSpan::aborted).count())));
            }
        }
        return sb.length() == 0 ? "" : "preempted attempts (aborted by the agent) per run:" + sb + "\n";
    }

    /** Every round's RT TTFT p95, BE/hour and wasted share, to show the spread behind the medians. */
    private static String roundsLine(List<RunGroup> groups) {
        StringBuilder sb = new StringBuilder("each round's RT TTFT p95 / BE/hour / wasted:\n");
        for (RunGroup g : groups) {
            sb.append(String.format(Locale.ROOT, "  (%s)", g.spec().id()));
            for (RunResult r : g.runs()) {
                sb.append(String.format(Locale.ROOT, "  %s / %s / %s", f(r.ttftPercentile(95)), f1(r.beDonePerHour()),
                        percent(r.wastedSlotShare())));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** A reference row; its p95/floor divides by the floor in the model (the figures are the model's). */
    private static String refLine(RunSpec.Reference ref, Trace trace, int slots, double runLengthS) {
        String name = "    ref: " + ref.policy();
        if (name.length() > 55) {
            name = name.substring(0, 54) + "~";
        }
        return String.format(Locale.ROOT, "%-55s %9s %7s %7s %7s %9s %8s %9s%n", name, f(ref.mean()), "-", f(ref.p95()),
                f(ref.max()), ratio(ref.p95() / trace.modelFloorP95(slots, runLengthS)), f1(ref.bePerHour()), "-");
    }

    private static String f(double d) {
        if (Double.isNaN(d)) {
            return "-";
        }
        return String.format(Locale.ROOT, d < 10 ? "%.2f" : "%.1f", d);
    }

    private static String idleLine(List<RunGroup> groups) {
        StringBuilder sb = new StringBuilder("idle-server TTFT measured in each run (after its replay: the same client,"
                + " machine and time scale), unscaled s, and p95/idle:\n ");
        for (RunGroup g : groups) {
            double idle = g.median(r -> r.idleTtftS() > 0 ? r.idleTtftS() : Double.NaN);
            sb.append(String.format(Locale.ROOT, " (%s) %s %s", g.spec().id(), f(idle), ratio(g.p95() / idle)));
        }
        return sb.append('\n').toString();
    }

    /** For fleet runs: how many requests the server held at once, and RT TTFT p95 against one JVM's (c). */
    private static String fleetLines(List<RunGroup> groups) {
        RunGroup fleet = groups.stream().filter(g -> g.spec().isFleet()).findFirst().orElse(null);
        if (fleet == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "fleet runs: the trace's RT and BE rows dealt"
                + " in turn to %d JVMs (%d batch workers in all), one %d-slot server.%nrequests inside the server at"
                + " once (running or queued in it), at most:", fleet.spec().jvms(), Demo.BE_WORKERS,
                fleet.spec().serverSlots()));
        for (RunGroup g : groups) {
            int most = g.runs().stream().mapToInt(RunResult::maxAtServer).max().orElse(-1);
            sb.append(String.format(Locale.ROOT, " (%s) %s", g.spec().id(), most < 0 ? "-" : Integer.toString(most)));
        }
        RunGroup one = groups.stream().filter(g -> g.spec().id().equals("c")).findFirst().orElse(null);
        if (one != null) {
            sb.append("\nRT TTFT p95 against one JVM with the same settings (c):");
            for (RunGroup g : groups) {
                if (g.spec().isFleet()) {
                    sb.append(String.format(Locale.ROOT, " (%s) %s", g.spec().id(), ratio(g.p95() / one.p95())));
                }
            }
        }
        return sb.append('\n').toString();
    }

    private static String beRatios(List<RunGroup> groups) {
        RunGroup base = groups.stream().filter(g -> !g.spec().agent() && !g.spec().isFloor()).findFirst().orElse(null);
        if (base == null || base.bePerHour() <= 0) {
            return " (no run without the agent)";
        }
        StringBuilder sb = new StringBuilder();
        for (RunGroup g : groups) {
            if (!g.spec().isFloor()) {
                sb.append(String.format(Locale.ROOT, " (%s) %.0f%%", g.spec().id(), 100 * g.bePerHour() / base.bePerHour()));
            }
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
        List<RunGroup> groups = RunGroup.of(results);
        List<RunResult> drawn = groups.stream().map(RunGroup::representative).toList();
        h.append("<h1>rtbe-agent demo: ").append(esc(traceName(o))).append(", with and without the agent</h1>");
        h.append("<p class=\"note\">Each run replays the trace in its own JVM (a fleet run: split over several JVMs)"
                + " through langchain4j-ollama (JDK HttpClient)")
                .append(o.ollamaUrl() == null ? " against the in-process Ollama simulator" : " against " + esc(o.ollamaUrl()))
                .append(". Times in ").append(o.ollamaUrl() == null ? "unscaled seconds (time scale " + Demo.fmt(o.scale()) + ")"
                        : "real seconds").append(". <span style=\"color:" + RT_COLOR + "\">&#9632; RT</span> interactive streams, ")
                .append("<span style=\"color:" + BE_COLOR + "\">&#9632; BE</span> batch summaries. The floor run replays"
                        + " the RT calls alone (no batch work, no agent).")
                .append(groups.stream().anyMatch(g -> g.runs().size() > 1)
                        ? " The table gives medians over the rounds; the charts show each run's round with the median"
                        + " RT TTFT p95." : "").append("</p>");
        h.append("<pre>").append(esc(table)).append("</pre>");
        h.append("<h2>RT time to first token, every call (log scale)</h2>");
        h.append(ttftChart(drawn));
        double tMax = drawn.stream().flatMap(r -> r.slots().stream()).mapToDouble(RunResult.SlotSpan::end)
                .filter(d -> !Double.isNaN(d)).max().orElse(o.runLengthS());
        for (RunResult r : drawn) {
            h.append("<h2>(").append(r.spec().id()).append(") ").append(esc(r.spec().label())).append("</h2>");
            h.append(String.format(Locale.ROOT, "<p class=\"note\">%s; RT TTFT mean %s s, p95 %s s, max %s s;"
                            + " BE %s done per hour; %s of the slot time wasted. Thin red bars above the slots: RT calls"
                            + " waiting (app start to first token). Pale bars: attempts the agent aborted.</p>",
                    r.serverSide() ? "server slots (simulator records)" : "app-side call spans",
                    f(r.ttftMean()), f(r.ttftPercentile(95)), f(r.ttftMax()), f1(r.beDonePerHour()),
                    percent(r.wastedSlotShare())));
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
                    s.aborted() ? String.format(Locale.ROOT, " (aborted: preempted, re-sent later; %.1f s wasted)",
                            s.wastedS()) : ""));
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
