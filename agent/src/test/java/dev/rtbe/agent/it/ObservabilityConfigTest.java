package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * otel-config's files hang together (no Docker here, so they are parsed and cross-checked): the
 * collector's metrics pipeline feeds a Prometheus exporter, Prometheus scrapes it, Grafana reads that
 * Prometheus and loads the dashboard from the directory the compose file mounts, every image is
 * pinned, and the dashboard is importable (uid, title, data source variable, server and model
 * variables). That its queries name real metrics is {@link DashboardQueriesIT}'s part.
 */
class ObservabilityConfigTest {
    private static final Path DIR = Path.of("../otel-config");

    @Test
    void theCollectorsMetricsPipelineExportsToPrometheusOn8889() throws IOException {
        Map<String, Object> collector = yaml("collector.yaml");
        Map<String, Object> prometheus = map(map(collector, "exporters"), "prometheus");
        assertEquals("0.0.0.0:8889", prometheus.get("endpoint"));
        Map<String, Object> metrics = map(map(map(collector, "service"), "pipelines"), "metrics");
        assertEquals(List.of("otlp"), metrics.get("receivers"));
        assertTrue(list(metrics, "exporters").contains("prometheus"), metrics::toString);
        assertTrue(list(metrics, "exporters").contains("debug"), metrics::toString);
        // Traces still go to Jaeger.
        assertTrue(list(map(map(map(collector, "service"), "pipelines"), "traces"), "exporters").contains("otlp/jaeger"));
    }

    @Test
    void composeRunsPinnedImagesAndMountsFilesThatExist() throws IOException {
        Map<String, Object> services = map(yaml("compose.yaml"), "services");
        assertEquals(Set.of("collector", "jaeger", "prometheus", "grafana"), services.keySet());
        for (Map.Entry<String, Object> e : services.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> service = (Map<String, Object>) e.getValue();
            String image = (String) service.get("image");
            String tag = image.substring(image.lastIndexOf(':') + 1);
            assertTrue(image.contains(":") && tag.matches("v?\\d+(\\.\\d+)+"), e.getKey() + " is not pinned: " + image);
            for (Object volume : list(service, "volumes")) {
                String source = volume.toString().split(":")[0];
                assertTrue(Files.exists(DIR.resolve(source)), e.getKey() + " mounts a missing " + source);
            }
        }
        assertTrue(list(map(services, "collector"), "ports").contains("8889:8889"));
        assertTrue(list(map(services, "prometheus"), "ports").contains("9090:9090"));
        assertTrue(list(map(services, "grafana"), "ports").contains("3000:3000"));
    }

    @Test
    void prometheusScrapesTheCollectorKeepingItsJobLabel() throws IOException {
        List<Object> scrapes = list(yaml("prometheus.yml"), "scrape_configs");
        assertEquals(1, scrapes.size());
        @SuppressWarnings("unchecked")
        Map<String, Object> scrape = (Map<String, Object>) scrapes.get(0);
        assertEquals(true, scrape.get("honor_labels"), "job would become exported_job: " + scrape);
        @SuppressWarnings("unchecked")
        Map<String, Object> targets = (Map<String, Object>) list(scrape, "static_configs").get(0);
        assertEquals(List.of("collector:8889"), targets.get("targets"));
        assertTrue(list(map(map(yaml("compose.yaml"), "services"), "prometheus"), "volumes")
                .contains("./prometheus.yml:/etc/prometheus/prometheus.yml:ro"));
    }

    @Test
    void grafanaReadsThatPrometheusAndLoadsTheDashboardFromTheMountedDirectory() throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> source = (Map<String, Object>) list(
                yaml("grafana/provisioning/datasources/prometheus.yaml"), "datasources").get(0);
        assertEquals("prometheus", source.get("type"));
        assertEquals("http://prometheus:9090", source.get("url"));
        @SuppressWarnings("unchecked")
        Map<String, Object> provider = (Map<String, Object>) list(
                yaml("grafana/provisioning/dashboards/rtbe-agent.yaml"), "providers").get(0);
        assertEquals("file", provider.get("type"));
        String path = (String) map(provider, "options").get("path");
        List<Object> volumes = list(map(map(yaml("compose.yaml"), "services"), "grafana"), "volumes");
        assertTrue(volumes.contains("./grafana/dashboards:" + path + ":ro"), volumes::toString);
        assertTrue(volumes.contains("./grafana/provisioning:/etc/grafana/provisioning:ro"), volumes::toString);
    }

    @Test
    void theDashboardIsImportableWithServerAndModelVariables() throws IOException {
        JsonNode d = new ObjectMapper().readTree(DashboardQueriesIT.DASHBOARD.toFile());
        assertEquals("rtbe-agent", d.path("uid").asText());
        assertFalse(d.path("title").asText().isEmpty());
        List<String> variables = new ArrayList<>();
        for (JsonNode v : d.path("templating").path("list")) {
            variables.add(v.path("name").asText());
            if (v.path("type").asText().equals("query")) {
                String query = v.path("query").path("query").asText();
                assertTrue(query.startsWith("label_values("), query);
                assertEquals("${datasource}", v.path("datasource").path("uid").asText(), v::toString);
            }
        }
        assertEquals(List.of("datasource", "service", "server", "model"), variables);
        Set<Integer> ids = new HashSet<>();
        List<JsonNode> panels = new ArrayList<>();
        d.path("panels").forEach(panels::add);
        for (JsonNode panel : panels) {
            assertTrue(ids.add(panel.path("id").asInt()), "duplicate panel id " + panel.path("id"));
            assertNotNull(panel.get("gridPos"), panel::toString);
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertEquals("${datasource}", panel.path("datasource").path("uid").asText(), panel::toString);
            assertTrue(panel.path("targets").size() > 0, panel::toString);
            for (JsonNode target : panel.path("targets")) {
                assertFalse(target.path("expr").asText().isBlank(), panel::toString);
                assertEquals("${datasource}", target.path("datasource").path("uid").asText(), panel::toString);
            }
        }
        assertTrue(panels.size() >= 10, "panels: " + panels.size());
    }

    private static Map<String, Object> yaml(String file) throws IOException {
        try (Reader in = Files.newBufferedReader(DIR.resolve(file))) {
            return new Yaml().load(in);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertTrue(value instanceof Map, key + " is not a mapping in " + parent);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertTrue(value == null || value instanceof List, key + " is not a list in " + parent);
        return value == null ? List.of() : (List<Object>) value;
    }
}
