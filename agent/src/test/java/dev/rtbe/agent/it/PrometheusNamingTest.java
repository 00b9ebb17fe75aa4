package dev.rtbe.agent.it;

import static dev.rtbe.agent.it.PrometheusNaming.Kind.GAUGE;
import static dev.rtbe.agent.it.PrometheusNaming.Kind.HISTOGRAM;
import static dev.rtbe.agent.it.PrometheusNaming.Kind.MONOTONIC_SUM;
import static dev.rtbe.agent.it.PrometheusNaming.Kind.NON_MONOTONIC_SUM;
import static dev.rtbe.agent.it.PrometheusNaming.label;
import static dev.rtbe.agent.it.PrometheusNaming.metricName;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The exporter's naming, checked against the examples of the collector's own tests
 * (github.com/open-telemetry/opentelemetry-collector-contrib, pkg/translator/prometheus/normalize_name_test.go
 * and normalize_label_test.go, with the normalize-name gate on and the permissive-label gate off, their
 * defaults), then against the agent's metrics.
 */
class PrometheusNamingTest {

    @Test
    void unitsBecomeSuffixesAsInTheCollectorsTests() {
        assertEquals("system_filesystem_usage_bytes", metricName("system.filesystem.usage", "By", GAUGE));
        assertEquals("system_io_bytes_total", metricName("system.io", "By", MONOTONIC_SUM));
        assertEquals("network_transmitted_bytes_total", metricName("network_transmitted_bytes_total", "By", MONOTONIC_SUM));
        assertEquals("system_filesystem_usage_bytes", metricName("\t system.filesystem.usage       ", "  By\t", GAUGE));
        assertEquals("hw_cpu_speed_limit_hertz", metricName("hw.cpu.speed_limit", "Hz", GAUGE));
        assertEquals("broken_metric_speed_km_per_hour", metricName("broken.metric.speed", "km/h", GAUGE));
        assertEquals("astro_light_speed_limit_meters_per_second", metricName("astro.light.speed_limit", "m/s", GAUGE));
        assertEquals("broken_metric_success_ratio_percent", metricName("broken.metric.success_ratio", "%", GAUGE));
        assertEquals("broken_metric_success_percent", metricName("broken.metric.success_percent", "%", GAUGE));
        assertEquals("test_metric_no_unit", metricName("test.metric.no_unit", "", GAUGE));
        assertEquals("test_metric_spaces", metricName("test.metric.spaces", "   \t  ", GAUGE));
    }

    @Test
    void unitsInBracesAreDroppedAndBrokenUnitsKeptAsInTheCollectorsTests() {
        assertEquals("system_network_dropped", metricName("system.network.dropped", "{packets}", GAUGE));
        assertEquals("system_network_dropped_total", metricName("system.network.dropped", "{packets}", MONOTONIC_SUM));
        assertEquals("system_network_dropped_packets", metricName("system.network.dropped", "packets", GAUGE));
        assertEquals("system_network_packets_dropped", metricName("system.network.packets.dropped", "packets", GAUGE));
        assertEquals("system_network_packets", metricName("system.network.packets", "packets", GAUGE));
        assertEquals("system_network_packets_total", metricName("system.network.packets", "packets", MONOTONIC_SUM));
        assertEquals("unsupported_metric_temperature_F", metricName("unsupported.metric.temperature", "°F", GAUGE));
        assertEquals("unsupported_metric_weird", metricName("unsupported.metric.weird", "+=.:,!* & #", GAUGE));
        assertEquals("unsupported_metric_redundant_test_per_C",
                metricName("unsupported.metric.redundant", "__test $/°C", GAUGE));
    }

    @Test
    void ratioOnlyForGaugesOfUnitOneAsInTheCollectorsTests() {
        assertEquals("hw_gpu_memory_utilization_ratio", metricName("hw.gpu.memory.utilization", "1", GAUGE));
        assertEquals("hw_fan_speed_ratio", metricName("hw.fan.speed_ratio", "1", GAUGE));
        assertEquals("objects_total", metricName("objects", "1", MONOTONIC_SUM));
        assertEquals("system_cpu_load_average_15m_ratio", metricName("system.cpu.load_average.15m", "1", GAUGE));
    }

    @Test
    void receiversMetricsAsInTheCollectorsTests() {
        assertEquals("active_directory_ds_replication_network_io_bytes_total",
                metricName("active_directory.ds.replication.network.io", "By", MONOTONIC_SUM));
        assertEquals("active_directory_ds_replication_sync_object_pending_total",
                metricName("active_directory.ds.replication.sync.object.pending", "{objects}", MONOTONIC_SUM));
        assertEquals("active_directory_ds_replication_object_rate_per_second",
                metricName("active_directory.ds.replication.object.rate", "{objects}/s", GAUGE));
        assertEquals("active_directory_ds_ldap_bind_last_successful_time_milliseconds",
                metricName("active_directory.ds.ldap.bind.last_successful.time", "ms", GAUGE));
        assertEquals("apache_current_connections", metricName("apache.current_connections", "connections", GAUGE));
        assertEquals("apache_workers_connections", metricName("apache.workers", "connections", GAUGE));
        assertEquals("apache_requests_total", metricName("apache.requests", "1", MONOTONIC_SUM));
        assertEquals("bigip_virtual_server_request_count_total",
                metricName("bigip.virtual_server.request.count", "{requests}", MONOTONIC_SUM));
        assertEquals("system_disk_operation_time_seconds_total", metricName("system.disk.operation_time", "s", MONOTONIC_SUM));
        assertEquals("memcached_operation_hit_ratio_percent", metricName("memcached.operation_hit_ratio", "%", GAUGE));
        assertEquals("mongodbatlas_process_asserts_per_second", metricName("mongodbatlas.process.asserts", "{assertions}/s", GAUGE));
        assertEquals("mongodbatlas_process_journaling_data_files_mebibytes",
                metricName("mongodbatlas.process.journaling.data_files", "MiBy", GAUGE));
        assertEquals("mongodbatlas_process_network_io_bytes_per_second", metricName("mongodbatlas.process.network.io", "By/s", GAUGE));
        assertEquals("mongodbatlas_process_oplog_rate_gibibytes_per_hour", metricName("mongodbatlas.process.oplog.rate", "GiBy/h", GAUGE));
        assertEquals("mongodbatlas_process_db_query_targeting_scanned_per_returned",
                metricName("mongodbatlas.process.db.query_targeting.scanned_per_returned", "{scanned}/{returned}", GAUGE));
        assertEquals("nginx_requests", metricName("nginx.requests", "requests", GAUGE));
        assertEquals("nsxt_node_memory_usage_kilobytes", metricName("nsxt.node.memory.usage", "KBy", GAUGE));
        assertEquals("redis_latest_fork_microseconds", metricName("redis.latest_fork", "us", GAUGE));
    }

    @Test
    void oddNamesAsInTheCollectorsTests() {
        assertEquals("_3_14_digits", metricName("3.14 digits", "", GAUGE));
        assertEquals("envoy_rule_engine_zlib_buf_error", metricName("envoy__rule_engine_zlib_buf_error", "", GAUGE));
        assertEquals("foo_bar", metricName(":foo::bar", "", GAUGE));
        assertEquals("foo_bar_total", metricName(":foo::bar", "", MONOTONIC_SUM));
    }

    @Test
    void labelsAsInTheCollectorsTests() {
        assertEquals("", label(""));
        assertEquals("key_test", label("_test"));
        assertEquals("key_0test", label("0test"));
        assertEquals("test", label("test"));
        assertEquals("test__", label("test_/"));
        assertEquals("__test", label("__test"));
    }

    @Test
    void theAgentsMetricsAndAttributes() {
        assertEquals("rtbe_queue_wait_seconds", metricName("rtbe.queue.wait", "s", HISTOGRAM));
        assertEquals("rtbe_time_to_first_token_seconds", metricName("rtbe.time_to_first_token", "s", HISTOGRAM));
        assertEquals("rtbe_slots_in_use", metricName("rtbe.slots.in_use", "{slot}", GAUGE));
        assertEquals("rtbe_rejections_total", metricName("rtbe.rejections", "{call}", MONOTONIC_SUM));
        assertEquals("rtbe_preempted_slot_time_seconds_total", metricName("rtbe.preempted.slot_time", "s", MONOTONIC_SUM));
        assertEquals("gen_ai_client_token_usage", metricName("gen_ai.client.token.usage", "{token}", HISTOGRAM));
        assertEquals("rtbe_queue_length", metricName("rtbe.queue.length", "{call}", NON_MONOTONIC_SUM));
        assertEquals("rtbe_priority", label("rtbe.priority"));
        assertEquals("gen_ai_token_type", label("gen_ai.token.type"));
    }

    @Test
    void aHistogramIsThreeSeriesWithTheExportersLabels() {
        Map<String, Set<String>> series = PrometheusNaming.series("rtbe.queue.wait", "s", HISTOGRAM,
                Set.of("rtbe.priority"), Set.of("service.name", "telemetry.sdk.name"));
        assertEquals(List.of("rtbe_queue_wait_seconds_bucket", "rtbe_queue_wait_seconds_sum", "rtbe_queue_wait_seconds_count"),
                List.copyOf(series.keySet()));
        assertEquals(Set.of("rtbe_priority", "otel_scope_name", "otel_scope_version", "job", "le"),
                series.get("rtbe_queue_wait_seconds_bucket"));
        assertEquals(Set.of("rtbe_priority", "otel_scope_name", "otel_scope_version", "job"),
                series.get("rtbe_queue_wait_seconds_count"));
        assertEquals(Set.of("otel_scope_name", "otel_scope_version", "instance"),
                PrometheusNaming.series("c", "", MONOTONIC_SUM, Set.of(), Set.of("service.instance.id")).get("c_total"));
    }
}
