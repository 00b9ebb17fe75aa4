package dev.rtbe.agent.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.resources.Resource;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtelEnvironmentTest {
    private static OtelEnvironment env(Map<String, String> props, Map<String, String> vars) {
        return new OtelEnvironment(props::get, vars::get);
    }

    @Test
    void endpointsDefaultToLocalhostAndSignalSettingsWin() {
        OtelEnvironment none = env(Map.of(), Map.of());
        assertEquals("http://localhost:4318/v1/traces", none.tracesEndpoint());
        assertEquals("http://localhost:4318/v1/metrics", none.metricsEndpoint());
        OtelEnvironment base = env(Map.of(), Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"));
        assertEquals("http://collector:4318/v1/traces", base.tracesEndpoint());
        OtelEnvironment both = env(Map.of("otel.exporter.otlp.traces.endpoint", "http://t:1/custom"),
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"));
        assertEquals("http://t:1/custom", both.tracesEndpoint());
        assertEquals("http://collector:4318/v1/metrics", both.metricsEndpoint());
    }

    @Test
    void systemPropertiesWinOverEnvironmentAndServiceAndResourceAreHonoured() {
        OtelEnvironment e = env(Map.of("otel.service.name", "news"),
                Map.of("OTEL_SERVICE_NAME", "other", "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=dev,team=a%20b",
                        "OTEL_SDK_DISABLED", "false"));
        assertEquals("news", e.serviceName());
        assertFalse(e.sdkDisabled());
        Resource r = SdkFactory.resource(e);
        assertEquals("news", r.getAttribute(AttributeKey.stringKey("service.name")));
        assertEquals("dev", r.getAttribute(AttributeKey.stringKey("deployment.environment")));
        assertEquals("a b", r.getAttribute(AttributeKey.stringKey("team")));
        assertTrue(env(Map.of(), Map.of("OTEL_SDK_DISABLED", "TRUE")).sdkDisabled());
        assertEquals("svc", env(Map.of(), Map.of("OTEL_RESOURCE_ATTRIBUTES", "service.name=svc")).serviceName());
    }
}
