package dev.rtbe.agent.telemetry;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The standard OpenTelemetry settings our exporter honours, read the standard way: system
 * property {@code otel.x.y} first, then environment variable {@code OTEL_X_Y}.
 */
final class OtelEnvironment {
    static final String DEFAULT_ENDPOINT = "http://localhost:4318";

    private final UnaryOperator<String> properties;
    private final UnaryOperator<String> environment;

    OtelEnvironment(UnaryOperator<String> properties, UnaryOperator<String> environment) {
        this.properties = properties;
        this.environment = environment;
    }

    static OtelEnvironment system() {
        return new OtelEnvironment(new SystemLookup(false), new SystemLookup(true));
    }

    /** System properties or environment variables (a class, not method references: no lambda is spun at start-up). */
    private static final class SystemLookup implements UnaryOperator<String> {
        private final boolean environment;

        SystemLookup(boolean environment) {
            this.environment = environment;
        }

        @Override
        public String apply(String key) {
            return environment ? environmentVariable(key) : systemProperty(key);
        }
    }

    /** {@code otel.exporter.otlp.endpoint} or {@code OTEL_EXPORTER_OTLP_ENDPOINT}; blank counts as unset. */
    String get(String property) {
        String v = properties.apply(property);
        if (v == null || v.trim().isEmpty()) {
            v = environment.apply(property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
        return v == null || v.trim().isEmpty() ? null : v.trim();
    }

    boolean sdkDisabled() {
        return "true".equalsIgnoreCase(get("otel.sdk.disabled"));
    }

    /** OTLP traces endpoint: the signal's own setting as is, else the base endpoint + /v1/traces. */
    String tracesEndpoint() {
        return signalEndpoint("traces");
    }

    String metricsEndpoint() {
        return signalEndpoint("metrics");
    }

    private String signalEndpoint(String signal) {
        String own = get("otel.exporter.otlp." + signal + ".endpoint");
        if (own != null) {
            return own;
        }
        String base = get("otel.exporter.otlp.endpoint");
        if (base == null) {
            base = DEFAULT_ENDPOINT;
        }
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/" + signal;
    }

    /** The protocol asked for: only http/protobuf is available here. */
    String protocol(String signal) {
        String own = get("otel.exporter.otlp." + signal + ".protocol");
        return own != null ? own : get("otel.exporter.otlp.protocol");
    }

    /** {@code otel.exporter.otlp.headers} overlaid by the signal's own, as {@code k=v,k2=v2}. */
    Map<String, String> headers(String signal) {
        Map<String, String> headers = new LinkedHashMap<>(keyValues(get("otel.exporter.otlp.headers")));
        headers.putAll(keyValues(get("otel.exporter.otlp." + signal + ".headers")));
        return headers;
    }

    /** {@code service.name}: OTEL_SERVICE_NAME, else from OTEL_RESOURCE_ATTRIBUTES, else null. */
    String serviceName() {
        String name = get("otel.service.name");
        return name != null ? name : resourceAttributes().get("service.name");
    }

    Map<String, String> resourceAttributes() {
        return keyValues(get("otel.resource.attributes"));
    }

    Duration metricExportInterval() {
        return millis("otel.metric.export.interval", 60_000);
    }

    Duration spanScheduleDelay() {
        return millis("otel.bsp.schedule.delay", 5_000);
    }

    private Duration millis(String property, long fallback) {
        String v = get(property);
        try {
            long ms = v == null ? fallback : Long.parseLong(v);
            return Duration.ofMillis(ms > 0 ? ms : fallback);
        } catch (NumberFormatException e) {
            return Duration.ofMillis(fallback);
        }
    }

    /** W3C-baggage-style {@code k=v,k2=v2} with percent-encoded values, as the OTel spec defines. */
    static Map<String, String> keyValues(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        if (text == null) {
            return map;
        }
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String key = pair.substring(0, eq).trim();
            String value = pair.substring(eq + 1).trim();
            try {
                value = java.net.URLDecoder.decode(value.replace("+", "%2B"), "UTF-8");
            } catch (java.io.UnsupportedEncodingException | IllegalArgumentException e) {
                // keep it as written
            }
            if (!key.isEmpty()) {
                map.put(key, value);
            }
        }
        return map;
    }

    private static String systemProperty(String key) {
        try {
            return System.getProperty(key);
        } catch (SecurityException e) {
            return null;
        }
    }

    private static String environmentVariable(String key) {
        try {
            return System.getenv(key);
        } catch (SecurityException e) {
            return null;
        }
    }
}
