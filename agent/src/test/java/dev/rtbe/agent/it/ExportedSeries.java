package dev.rtbe.agent.it;

import dev.rtbe.agent.it.PrometheusNaming.Kind;
import dev.rtbe.agent.it.PromQl.Grouping;
import dev.rtbe.agent.it.PromQl.LabelMatcher;
import dev.rtbe.agent.it.PromQl.Query;
import dev.rtbe.agent.it.PromQl.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The Prometheus series that exported OTLP metrics become (named by {@link PrometheusNaming}), with
 * the label values seen, and what a dashboard query names that is not among them.
 */
final class ExportedSeries {
    /** Series name -> label -> the values seen. */
    private final Map<String, Map<String, Set<String>>> series = new TreeMap<>();

    /**
     * Adds one OTLP metric: its data points' attributes, and the resource and scope it came from.
     */
    void add(String name, String unit, Kind kind, List<Map<String, String>> points, Map<String, String> resource,
             String scope) {
        Set<String> keys = new TreeSet<>();
        points.forEach(p -> keys.addAll(p.keySet()));
        PrometheusNaming.series(name, unit, kind, keys, resource.keySet()).forEach((seriesName, labels) -> {
            Map<String, Set<String>> seen = series.computeIfAbsent(seriesName, n -> new TreeMap<>());
            labels.forEach(l -> seen.computeIfAbsent(l, x -> new TreeSet<>()));
            points.forEach(p -> p.forEach((k, v) -> seen.get(PrometheusNaming.label(k)).add(v)));
            if (labels.contains("job")) {
                seen.get("job").add(resource.get("service.name"));
            }
            seen.get("otel_scope_name").add(scope);
        });
    }

    /**
     * What a panel expression or a {@code label_values} variable query names that was not exported:
     * a series, a label matched on or grouped by, or an {@code =} matcher's literal value. Empty when it
     * checks out.
     */
    List<String> problems(String query) {
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
                g.labels().forEach(label -> requireLabel(s.metric(), label, query, problems));
            }
        }
        return problems;
    }

    private boolean requireLabel(String metric, String label, String query, List<String> problems) {
        Map<String, Set<String>> labels = series.get(metric);
        if (labels == null) {
            return false; // reported once, as a missing series
        }
        if (!labels.containsKey(label)) {
            problems.add(metric + " has no label " + label + " in: " + query);
            return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return series.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().keySet())
                .collect(Collectors.joining("\n"));
    }
}
