package dev.rtbe.agent.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPInputStream;

/** A real OTLP/HTTP (protobuf) endpoint for tests: keeps every span and metric it receives. */
final class OtlpReceiver implements AutoCloseable {
    /** One received span, with what identifies its sender. */
    record Received(String service, String scope, Span span) {
        String attr(String key) {
            return OtlpReceiver.attr(span.getAttributesList(), key);
        }

        String traceId() {
            return hex(span.getTraceId().toByteArray());
        }

        String spanId() {
            return hex(span.getSpanId().toByteArray());
        }

        String parentSpanId() {
            return hex(span.getParentSpanId().toByteArray());
        }
    }

    private final HttpServer server;
    private final List<Received> spans = new CopyOnWriteArrayList<>();
    private final List<Metric> metrics = new CopyOnWriteArrayList<>();
    private final List<ResourceMetrics> metricBatches = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", this::traces);
        server.createContext("/v1/metrics", this::metrics);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void traces(HttpExchange exchange) throws IOException {
        requests.add("traces " + exchange.getRequestHeaders().getFirst("Content-Type"));
        ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body(exchange));
        request.getResourceSpansList().forEach(rs -> {
            String service = attr(rs.getResource().getAttributesList(), "service.name");
            rs.getScopeSpansList().forEach(ss -> ss.getSpansList().forEach(
                    span -> spans.add(new Received(service, ss.getScope().getName(), span))));
        });
        reply(exchange, ExportTraceServiceResponse.getDefaultInstance().toByteArray());
    }

    private void metrics(HttpExchange exchange) throws IOException {
        requests.add("metrics " + exchange.getRequestHeaders().getFirst("Content-Type"));
        ExportMetricsServiceRequest request = ExportMetricsServiceRequest.parseFrom(body(exchange));
        metricBatches.addAll(request.getResourceMetricsList());
        request.getResourceMetricsList().forEach(rm -> rm.getScopeMetricsList().forEach(sm -> {
            if (sm.getScope().getName().equals("dev.rtbe.agent")) {
                metrics.addAll(sm.getMetricsList());
            }
        }));
        reply(exchange, ExportMetricsServiceResponse.getDefaultInstance().toByteArray());
    }

    private static byte[] body(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
            in = new GZIPInputStream(in);
        }
        return in.readAllBytes();
    }

    private static void reply(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    List<Received> spans() {
        return new ArrayList<>(spans);
    }

    List<Received> spansOf(String scope) {
        return spans.stream().filter(s -> s.scope().equals(scope)).toList();
    }

    List<Metric> metrics() {
        return new ArrayList<>(metrics);
    }

    /** Every metric batch as it arrived, with its resource and scopes. */
    List<ResourceMetrics> metricBatches() {
        return new ArrayList<>(metricBatches);
    }

    List<String> requests() {
        return new ArrayList<>(requests);
    }

    /** Waits (bounded) for a condition on what arrived. */
    void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; received " + requests + " spans "
                        + spans.stream().map(s -> s.scope() + ":" + s.span().getName()).toList());
            }
            Thread.sleep(10); // polling a condition with a deadline
        }
    }

    static String attr(List<KeyValue> attributes, String key) {
        for (KeyValue kv : attributes) {
            if (kv.getKey().equals(key)) {
                AnyValue v = kv.getValue();
                return switch (v.getValueCase()) {
                    case STRING_VALUE -> v.getStringValue();
                    case INT_VALUE -> Long.toString(v.getIntValue());
                    case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
                    case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
                    case ARRAY_VALUE -> v.getArrayValue().getValuesList().stream().map(AnyValue::getStringValue).toList().toString();
                    default -> v.toString();
                };
            }
        }
        return null;
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }

}
