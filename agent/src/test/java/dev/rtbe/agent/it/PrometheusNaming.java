package dev.rtbe.agent.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The names the OpenTelemetry Collector's Prometheus exporter (collector-contrib 0.114.0, as pinned in
 * otel-config/compose.yaml, with its defaults: {@code add_metric_suffixes: true}, the beta feature gate
 * {@code pkg.translator.prometheus.NormalizeName} on) gives an OTLP metric and its attributes.
 *
 * <p>A faithful port of github.com/open-telemetry/opentelemetry-collector-contrib's
 * {@code pkg/translator/prometheus} (the translator the 0.114 exporter calls): {@code normalize_name.go}
 * ({@code BuildCompliantName} -> {@code normalizeName}: the name split into tokens at every rune that is
 * not a letter or digit; the unit's main part mapped by {@code unitMap} ({@code s} -> {@code seconds},
 * {@code By} -> {@code bytes}, {@code 1} -> nothing...) and appended unless empty, in braces or already a
 * token; a per-unit after {@code /} mapped by {@code perUnitMap} and appended as {@code per_x}; {@code total}
 * moved to the end of monotonic sums; {@code ratio} for gauges of unit {@code 1}; {@code _} before a
 * leading digit) and {@code normalize_label.go} ({@code NormalizeLabel}: every rune that is not a
 * letter or digit becomes {@code _}; {@code key_} before a leading digit, {@code key} before a single
 * leading {@code _}). And of {@code exporter/prometheusexporter/collector.go}: gauges and non-monotonic
 * sums are exposed as gauges, monotonic sums as counters, explicit-bucket histograms through the
 * Prometheus client's const histogram (series {@code _bucket} with {@code le}, {@code _sum},
 * {@code _count}); every series also gets {@code otel_scope_name}, {@code otel_scope_version}, and
 * {@code job} / {@code instance} from the resource's {@code service.name} (prefixed by
 * {@code service.namespace/}) / {@code service.instance.id} when it has them.
 */
final class PrometheusNaming {
    /** The OTLP data kinds the exporter distinguishes. */
    enum Kind { GAUGE, MONOTONIC_SUM, NON_MONOTONIC_SUM, HISTOGRAM, SUMMARY }

    private static final Map<String, String> UNITS = Map.ofEntries(
            Map.entry("d", "days"), Map.entry("h", "hours"), Map.entry("min", "minutes"), Map.entry("s", "seconds"),
            Map.entry("ms", "milliseconds"), Map.entry("us", "microseconds"), Map.entry("ns", "nanoseconds"),
            Map.entry("By", "bytes"), Map.entry("KiBy", "kibibytes"), Map.entry("MiBy", "mebibytes"),
            Map.entry("GiBy", "gibibytes"), Map.entry("TiBy", "tibibytes"), Map.entry("KBy", "kilobytes"),
            Map.entry("MBy", "megabytes"), Map.entry("GBy", "gigabytes"), Map.entry("TBy", "terabytes"),
            Map.entry("m", "meters"), Map.entry("V", "volts"), Map.entry("A", "amperes"), Map.entry("J", "joules"),
            Map.entry("W", "watts"), Map.entry("g", "grams"), Map.entry("Cel", "celsius"), Map.entry("Hz", "hertz"),
            Map.entry("1", ""), Map.entry("%", "percent"));
    private static final Map<String, String> PER_UNITS = Map.of("s", "second", "m", "minute", "h", "hour",
            "d", "day", "w", "week", "mo", "month", "y", "year");

    private PrometheusNaming() {}

    /** The metric's Prometheus name (for a histogram, the stem of its {@code _bucket/_sum/_count} series). */
    static String metricName(String name, String unit, Kind kind) {
        List<String> tokens = tokens(name);
        String[] unitParts = unit.split("/", 2);
        String main = unitParts[0].trim();
        if (!main.isEmpty() && !containsBrace(main)) {
            String prom = cleanUp(UNITS.getOrDefault(main, main));
            if (!prom.isEmpty() && !tokens.contains(prom)) {
                tokens.add(prom);
            }
        }
        if (unitParts.length > 1 && !unitParts[1].isEmpty()) {
            String per = unitParts[1].trim();
            if (!per.isEmpty() && !containsBrace(per)) {
                String prom = cleanUp(PER_UNITS.getOrDefault(per, per));
                if (!prom.isEmpty() && !tokens.contains(prom)) {
                    tokens.add("per");
                    tokens.add(prom);
                }
            }
        }
        if (kind == Kind.MONOTONIC_SUM) {
            tokens.removeIf("total"::equals);
            tokens.add("total");
        }
        if (unit.equals("1") && kind == Kind.GAUGE) {
            tokens.removeIf("ratio"::equals);
            tokens.add("ratio");
        }
        String joined = String.join("_", tokens);
        return !joined.isEmpty() && Character.isDigit(joined.charAt(0)) ? "_" + joined : joined;
    }

    /** An attribute key as a Prometheus label name. */
    static String label(String key) {
        if (key.isEmpty()) {
            return key;
        }
        StringBuilder sb = new StringBuilder(key.length());
        key.codePoints().forEach(c -> sb.appendCodePoint(Character.isLetterOrDigit(c) ? c : '_'));
        String label = sb.toString();
        if (Character.isDigit(label.charAt(0))) {
            return "key_" + label;
        }
        if (label.startsWith("_") && !label.startsWith("__")) {
            return "key" + label;
        }
        return label;
    }

    /**
     * The series one metric is exposed as, each with its label names: the attributes' as labels, and
     * what the exporter adds (scope, job and instance from the resource, {@code le} on buckets).
     */
    static Map<String, Set<String>> series(String name, String unit, Kind kind, Set<String> attributeKeys,
                                           Set<String> resourceKeys) {
        Set<String> labels = new LinkedHashSet<>();
        attributeKeys.forEach(k -> labels.add(label(k)));
        labels.add("otel_scope_name");
        labels.add("otel_scope_version");
        if (resourceKeys.contains("service.name")) {
            labels.add("job");
        }
        if (resourceKeys.contains("service.instance.id")) {
            labels.add("instance");
        }
        String stem = metricName(name, unit, kind);
        Map<String, Set<String>> series = new LinkedHashMap<>();
        switch (kind) {
            case HISTOGRAM, SUMMARY -> {
                Set<String> withBound = new LinkedHashSet<>(labels);
                withBound.add(kind == Kind.HISTOGRAM ? "le" : "quantile");
                series.put(kind == Kind.HISTOGRAM ? stem + "_bucket" : stem, withBound);
                series.put(stem + "_sum", labels);
                series.put(stem + "_count", labels);
            }
            default -> series.put(stem, labels);
        }
        return series;
    }

    /** The name's runs of letters and digits (Go's strings.FieldsFunc on !IsLetter && !IsDigit). */
    private static List<String> tokens(String s) {
        List<String> tokens = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c)) {
                current.appendCodePoint(c);
            } else if (current.length() > 0) {
                tokens.add(current.toString());
                current.setLength(0);
            }
        });
        if (current.length() > 0) {
            tokens.add(current.toString());
        }
        return tokens;
    }

    /** Go's CleanUpString: the runs of letters and digits joined by {@code _}. */
    private static String cleanUp(String s) {
        return String.join("_", tokens(s));
    }

    private static boolean containsBrace(String s) {
        return s.indexOf('{') >= 0 || s.indexOf('}') >= 0;
    }
}
