package dev.rtbe.sample.demo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** One run's results over the demo's rounds ({@code --repeat}), and their medians. */
record RunGroup(RunSpec spec, List<RunResult> runs) {

    /** The results grouped by run, in the order the runs were first made. */
    static List<RunGroup> of(List<RunResult> results) {
        Map<String, List<RunResult>> byId = new LinkedHashMap<>();
        Map<String, RunSpec> specs = new LinkedHashMap<>();
        for (RunResult r : results) {
            byId.computeIfAbsent(r.spec().id(), k -> new ArrayList<>()).add(r);
            specs.putIfAbsent(r.spec().id(), r.spec());
        }
        List<RunGroup> groups = new ArrayList<>();
        byId.forEach((id, runs) -> groups.add(new RunGroup(specs.get(id), List.copyOf(runs))));
        return groups;
    }

    /** The median of {@code metric} over the rounds (NaN values left out; the lower middle of an even count). */
    double median(ToDoubleFunction<RunResult> metric) {
        List<Double> v = each(metric);
        v.removeIf(d -> Double.isNaN(d));
        v.sort(Comparator.naturalOrder());
        return v.isEmpty() ? Double.NaN : v.get((v.size() - 1) / 2);
    }

    /** {@code metric} of every round, in round order. */
    List<Double> each(ToDoubleFunction<RunResult> metric) {
        List<Double> v = new ArrayList<>();
        runs.forEach(r -> v.add(metric.applyAsDouble(r)));
        return v;
    }

    double p95() {
        return median(r -> r.ttftPercentile(95));
    }

    double bePerHour() {
        return median(RunResult::beDonePerHour);
    }

    double wasted() {
        return median(RunResult::wastedSlotShare);
    }

    /** The round whose RT TTFT p95 is the median: the one the report draws. */
    RunResult representative() {
        double p95 = p95();
        return runs.stream().filter(r -> Double.compare(r.ttftPercentile(95), p95) == 0).findFirst()
                .orElse(runs.get(0));
    }

    /** The floor group for this group's server slots, or null (no floor run). */
    RunGroup floorIn(List<RunGroup> groups) {
        return groups.stream().filter(g -> g.spec().isFloor() && g.spec().serverSlots() == spec.serverSlots())
                .findFirst().orElse(null);
    }

    /** The median RT TTFT p95 over the median floor p95 on the same slots; NaN without a floor. */
    double p95OverFloor(List<RunGroup> groups) {
        RunGroup floor = floorIn(groups);
        return floor == null ? Double.NaN : p95() / floor.p95();
    }
}
