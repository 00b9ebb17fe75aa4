package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rtbe.agent.it.PrometheusNaming.Kind;
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
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every query of the Grafana dashboard (otel-config/grafana/dashboards/rtbe-agent.json) names metrics
 * and labels that the agent really exports, under the names the collector's Prometheus exporter gives
 * them: the built agent jar runs a workload in a forked JVM and exports over OTLP/HTTP to a real
 * receiver; what arrived is named by {@link PrometheusNaming} ({@link ExportedSeries}); each panel query
 * and variable query is read by {@link PromQl}. Every selector's series must exist with every label it
 * matches on (an {@code =} matcher's literal value must have been seen), and every {@code by}/{@code without}
 * label must exist on each series its aggregation reads.
 */
class DashboardQueriesIT {
    static final Path DASHBOARD = Path.of("../otel-config/grafana/dashboards/rtbe-agent.json");
    private static final String SCOPE = "dev.rtbe.agent";

    private final ExportedSeries exported = new ExportedSeries();

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
            problems.addAll(exported.problems(query));
        }
        // In short first (each missing series or label once), then each query's problems in full.
        Set<String> inShort = new TreeSet<>();
        problems.forEach(p -> inShort.add(p.substring(0, p.indexOf(" in: "))));
        assertTrue(problems.isEmpty(), () -> inShort.size() + " missing:\n" + String.join("\n", inShort)
                + "\n\nin the queries:\n" + String.join("\n", problems) + "\n\nthe series exported:\n" + exported);
    }

    /** Adds one batch's metrics of the agent's scope. */
    private void addSeries(ResourceMetrics batch) {
        Map<String, String> resource = attributes(batch.getResource().getAttributesList());
        for (ScopeMetrics scope : batch.getScopeMetricsList()) {
            if (scope.getScope().getName().equals(SCOPE)) {
                for (Metric metric : scope.getMetricsList()) {
                    exported.add(metric.getName(), metric.getUnit(), kind(metric), points(metric), resource, SCOPE);
                }
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
