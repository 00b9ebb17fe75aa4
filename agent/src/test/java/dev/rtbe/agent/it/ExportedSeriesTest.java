package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rtbe.agent.it.PrometheusNaming.Kind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dashboard check finds each kind of mistake a query can make, and passes a right one. */
class ExportedSeriesTest {
    private final ExportedSeries exported = new ExportedSeries();

    @BeforeEach
    void export() {
        Map<String, String> resource = Map.of("service.name", "news", "telemetry.sdk.language", "java");
        exported.add("rtbe.queue.wait", "s", Kind.HISTOGRAM,
                List.of(Map.of("rtbe.priority", "rt", "rtbe.outcome", "completed"), Map.of("rtbe.priority", "be",
                        "rtbe.outcome", "completed")), resource, "dev.rtbe.agent");
        exported.add("rtbe.rejections", "{call}", Kind.MONOTONIC_SUM,
                List.of(Map.of("rtbe.priority", "rt", "rtbe.reason", "queue_full")), resource, "dev.rtbe.agent");
    }

    @Test
    void rightQueriesCheckOut() {
        assertEquals(List.of(), exported.problems("histogram_quantile(0.95, sum by (le, rtbe_priority) "
                + "(rate(rtbe_queue_wait_seconds_bucket{job=~\"$service\", rtbe_outcome=\"completed\"}[$__rate_interval])))"));
        assertEquals(List.of(), exported.problems("sum by (rtbe_reason) (rate(rtbe_rejections_total{rtbe_priority=\"rt\"}[5m]))"));
        assertEquals(List.of(), exported.problems("label_values(rtbe_rejections_total{job=~\"$service\"}, rtbe_reason)"));
    }

    @Test
    void aNameWithoutTheExportersSuffixesIsNoSeries() {
        assertEquals(List.of("no series rtbe_queue_wait_bucket in: rate(rtbe_queue_wait_bucket[5m])"),
                exported.problems("rate(rtbe_queue_wait_bucket[5m])"));
        assertEquals(List.of("no series rtbe_rejections in: rate(rtbe_rejections[5m])"),
                exported.problems("rate(rtbe_rejections[5m])"));
    }

    @Test
    void missingLabelsInMatchersGroupingsAndVariables() {
        assertEquals(List.of("rtbe_rejections_total has no label rtbe_server in: rtbe_rejections_total{rtbe_server=~\".*\"}"),
                exported.problems("rtbe_rejections_total{rtbe_server=~\".*\"}"));
        assertEquals(List.of("rtbe_queue_wait_seconds_count has no label le in: "
                        + "sum by (le) (rate(rtbe_queue_wait_seconds_count[5m]))"),
                exported.problems("sum by (le) (rate(rtbe_queue_wait_seconds_count[5m]))"));
        assertEquals(List.of("rtbe_rejections_total has no label rtbe_model in: label_values(rtbe_rejections_total, rtbe_model)"),
                exported.problems("label_values(rtbe_rejections_total, rtbe_model)"));
    }

    @Test
    void aLiteralValueNeverSeen() {
        assertEquals(List.of("rtbe_rejections_total never had rtbe_reason=\"max_hold\" in: rtbe_rejections_total{rtbe_reason=\"max_hold\"}"),
                exported.problems("rtbe_rejections_total{rtbe_reason=\"max_hold\"}"));
        assertEquals(List.of("rtbe_queue_wait_seconds_sum never had job=\"other\" in: rtbe_queue_wait_seconds_sum{job=\"other\"}"),
                exported.problems("rtbe_queue_wait_seconds_sum{job=\"other\"}"));
    }
}
