package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rtbe.agent.it.PrometheusNaming.Kind;
import dev.rtbe.agent.it.PromQl.Grouping;
import dev.rtbe.agent.it.PromQl.LabelMatcher;
import dev.rtbe.agent.it.PromQl.Query;
import dev.rtbe.agent.it.PromQl.Selector;
import dev.rtbe.agent.it.apps.DashboardApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.SimulatorConfig;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every query of the Grafana dashboard (otel-config/grafana/dashboards/rtbe-agent.json) names metrics
 * and labels that the agent really exports, under the names the collector's Prometheus exporter gives
 * them: the built agent jar runs a workload in a forked JVM and exports over OTLP/HTTP to a real
 * receiver; what arrived is named by {@link PrometheusNaming}; each panel query and variable query is
 * read by {@link PromQl}. Every selector's series must exist with every label it matches on
 * (an {@code =} matcher's literal value must have been seen), and every {@code by}/{@code without}
 * label must exist on each series its aggregation reads.
 */
class DashboardQueriesIT {
    static final Path DASHBOARD = Path.of("../otel-config/grafana/dashboards/rtbe-agent.json");
    private static final String SCOPE = "dev.rtbe.agent";

    /** The Prometheus series exported: name -> label -> the values seen. */
    private final Map<String, Map<String, Set<String>>> series = new TreeMap<>();

    @Test
    void everyDashboardQueryNamesAnExportedMetricWithItsLabels() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(8).build());
             OtlpReceiver otlp = new OtlpReceiver()) {
            ForkedJvm.Result r = new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + sim.port())
                    .property("rtbe.slots.total", 1)
                    .property("rtbe.slots.max-hold", "10s") // far above the first calls, even on a loaded machine
                    .property("otel.exporter.otlp.endpoint", otlp.endpoint())
                    .property("otel.service.name", "dashboard-it")
                    .property("otel.metric.export.interval", 60_000)
                    .run(DashboardApp.class, sim.baseUri().toString());
            assertEquals(0, r.exitCode(), r::toString);
            assertTrue(r.lines("ERROR").isEmpty(), r::toString);
            assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
            // Only the unread body was taken back: the first calls completed (and so have tokens).
            assertEquals(1, r.stderr().lines().filter(l -> l.contains("held its slot past")).count(), r::toString);
            // The JVM flushed its metrics at exit: the last call's are in once the forced release is.
            otlp.await(() -> otlp.metrics().stream().anyMatch(m -> m.getName().equals("rtbe.forced_releases")),
                    "the agent's metrics");
            otlp.metricBatches().forEach(this::addSeries);
        }

        List<String> queries = dashboardQueries();
        assertTrue(queries.size() >= 15, "the dashboard's queries: " + queries);
        List<String> problems = new ArrayList<>();
        for (String query : queries) {
            problems.addAll(check(query));
        }
        // In short first (each missing series or label once), then each query's problems in full.
        Set<String> inShort = new TreeSet<>();
        problems.forEach(p -> inShort.add(p.substring(0, p.indexOf(" in: "))));
        assertTrue(problems.isEmpty(), () -> inShort.size() + " missing:\n" + String.join("\n", inShort)
                + "\n\nin the queries:\n" + String.join("\n", problems) + "\n\nthe series exported:\n"
                + series.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().keySet())
                        .collect(Collectors.joining("\n")));
    }

    /** The problems of one panel expression or {@code label_values} variable query; none when it checks out. */
    private List<String> check(String query) {
        List<String> problems = new ArrayList<>();
        Query parsed;
        if (query.trim().startsWith("label_values")) {
            PromQl.LabelValues values = PromQl.labelValues(query);
            parsed = values.query();
            for (Selector s : parsed.selectors()) {
                requireLabel(s.metric(), values.label(), query, problems);
            }
        } else {
            parsed = PromQl.parse(query);
        }
        for (Selector s : parsed.selectors()) {
            if (!series.containsKey(s.metric())) {
                problems.add("no series " + s.metric() + " in: " + query);
                continue;
            }
            for (LabelMatcher m : s.matchers()) {
                if (requireLabel(s.metric(), m.label(), query, problems) && m.op().equals("=")
                        && !m.value().contains("$") && !series.get(s.metric()).get(m.label()).contains(m.value())) {
                    problems.add(s.metric() + " never had " + m.label() + "=\"" + m.value() + "\" in: " + query);
                }
            }
        }
        for (Grouping g : parsed.groupings()) {
            for (Selector s : g.selectors()) {
                if (series.containsKey(s.metric())) {
                    g.labels().forEach(label -> requireLabel(s.metric(), label, query, problems));
                }
            }
        }
        return problems;
    }

    private boolean requireLabel(String metric, String label, String query, List<String> problems) {
        Map<String, Set<String>> labels = series.get(metric);
        if (labels == null) {
            return false; // reported once as a missing series
        }
        if (!labels.containsKey(label)) {
            problems.add(metric + " has no label " + label + " in: " + query);
            return false;
        }
        return true;
    }

    /** Names one batch's metrics of the agent's scope as the exporter does, with the label values seen. */
    private void addSeries(ResourceMetrics batch) {
        Map<String, String> resource = attributes(batch.getResource().getAttributesList());
        for (ScopeMetrics scope : batch.getScopeMetricsList()) {
            if (!scope.getScope().getName().equals(SCOPE)) {
                continue;
            }
            for (Metric metric : scope.getMetricsList()) {
                List<Map<String, String>> points = points(metric);
                Set<String> keys = new TreeSet<>();
                points.forEach(p -> keys.addAll(p.keySet()));
                PrometheusNaming.series(metric.getName(), metric.getUnit(), kind(metric), keys, resource.keySet())
                        .forEach((name, labels) -> {
                            Map<String, Set<String>> seen = series.computeIfAbsent(name, n -> new TreeMap<>());
                            labels.forEach(l -> seen.computeIfAbsent(l, x -> new TreeSet<>()));
                            points.forEach(p -> p.forEach((k, v) ->
                                    seen.get(PrometheusNaming.label(k)).add(v)));
                            if (labels.contains("job")) {
                                seen.get("job").add(resource.get("service.name"));
                            }
                            seen.get("otel_scope_name").add(scope.getScope().getName());
                        });
            }
        }
    }

    private static Kind kind(Metric metric) {
        return switch (metric.getDataCase()) {
            case GAUGE -> Kind.GAUGE;
            case SUM -> metric.getSum().getIsMonotonic() ? Kind.MONOTONIC_SUM : Kind.NON_MONOTONIC_SUM;
            case HISTOGRAM -> Kind.HISTOGRAM;
            case SUMMARY -> Kind.SUMMARY;
            // the exporter of collector-contrib 0.114.0 drops exponential histograms
            default -> throw new AssertionError("a metric the Prometheus exporter does not expose: " + metric.getName()
                    + " (" + metric.getDataCase() + ")");
        };
    }

    private static List<Map<String, String>> points(Metric metric) {
        List<List<KeyValue>> attributes = switch (metric.getDataCase()) {
            case GAUGE -> metric.getGauge().getDataPointsList().stream().map(p -> p.getAttributesList()).toList();
            case SUM -> metric.getSum().getDataPointsList().stream().map(p -> p.getAttributesList()).toList();
            case HISTOGRAM -> metric.getHistogram().getDataPointsList().stream().map(p -> p.getAttributesList()).toList();
            case SUMMARY -> metric.getSummary().getDataPointsList().stream().map(p -> p.getAttributesList()).toList();
            default -> List.of();
        };
        return attributes.stream().map(DashboardQueriesIT::attributes).toList();
    }

    private static Map<String, String> attributes(List<KeyValue> list) {
        Map<String, String> map = new HashMap<>();
        list.forEach(kv -> map.put(kv.getKey(), OtlpReceiver.attr(list, kv.getKey())));
        return map;
    }

    /** Every panel's expression (rows' panels too) and every query variable's query. */
    static List<String> dashboardQueries() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> queries = new ArrayList<>();
        addPanelQueries(dashboard.path("panels"), queries);
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                JsonNode q = variable.path("query");
                queries.add(q.isTextual() ? q.asText() : q.path("query").asText());
            }
        }
        return queries;
    }

    private static void addPanelQueries(JsonNode panels, List<String> into) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                into.add(target.path("expr").asText());
            }
            addPanelQueries(panel.path("panels"), into);
        }
    }
}
