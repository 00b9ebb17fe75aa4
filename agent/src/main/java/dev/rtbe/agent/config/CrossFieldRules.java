package dev.rtbe.agent.config;

import static dev.rtbe.agent.config.SettingDefinitions.AGING_BOOST;
import static dev.rtbe.agent.config.SettingDefinitions.AGING_PROMOTION;
import static dev.rtbe.agent.config.SettingDefinitions.AGING_THRESHOLD;
import static dev.rtbe.agent.config.SettingDefinitions.PREEMPTION;
import static dev.rtbe.agent.config.SettingDefinitions.SLOTS_MAX;
import static dev.rtbe.agent.config.SettingDefinitions.SLOTS_RT_RESERVED;
import static dev.rtbe.agent.config.SettingDefinitions.SLOTS_TOTAL;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Defaults that depend on other settings, and rules that span settings. A rule whose inputs were
 * bad is skipped: those inputs are already reported, and a second message about them is noise.
 */
final class CrossFieldRules {
    private CrossFieldRules() {}

    static void apply(Resolved r, List<SettingProblem> problems, List<String> warnings) {
        reservedSlots(r, problems, warnings);
        promotion(r, warnings);
    }

    /**
     * R < N, so batch calls always have a slot they may use; by default R = min(1, N - 1), or 0
     * with transparent preemption (real-time calls take slots back instead of keeping one idle). The
     * seed's own variables accepted R = N (its deployment ran N = 1, R = 1, which reserved nothing
     * in effect), so from there the value is lowered to N - 1 with a warning instead of refused.
     */
    private static void reservedSlots(Resolved r, List<SettingProblem> problems, List<String> warnings) {
        Integer total = r.get(SLOTS_TOTAL);
        if (total == null) {
            return;
        }
        String totalText = SLOTS_TOTAL.name() + " = " + total + " (" + r.sources.get(SLOTS_TOTAL) + ")";
        if (total == Settings.AUTO) {
            // A learned N grows up to rtbe.slots.max; R is checked against that ceiling and, while
            // N is smaller, each pool uses min(R, N - 1).
            total = r.get(SLOTS_MAX);
            if (total == null) {
                return;
            }
            totalText = SLOTS_MAX.name() + " = " + total + " (" + r.sources.get(SLOTS_MAX) + ") for "
                    + SLOTS_TOTAL.name() + " = auto";
        }
        if (!r.isExplicit(SLOTS_RT_RESERVED)) {
            if (r.get(PREEMPTION) == PreemptionMode.TRANSPARENT) {
                r.put(SLOTS_RT_RESERVED, 0, "default with rtbe.preemption=transparent");
            } else {
                r.put(SLOTS_RT_RESERVED, Math.min(1, total - 1), "default: min(1, total - 1)");
            }
            return;
        }
        Integer reserved = r.get(SLOTS_RT_RESERVED);
        if (reserved != null && reserved >= total) {
            RawValue raw = r.explicit.get(SLOTS_RT_RESERVED);
            if (raw.source == Source.SEED) {
                warnings.add(SLOTS_RT_RESERVED.name() + " = " + reserved + " (" + raw.origin() + ") is not below "
                        + SLOTS_TOTAL.name() + " = " + total + "; using " + (total - 1)
                        + " so that batch calls keep a slot, as the seed's scheduler effectively did");
                r.put(SLOTS_RT_RESERVED, total - 1, raw.origin() + ", lowered to total - 1");
                return;
            }
            String allowed = total == 1
                    ? "0 (with rtbe.slots.total = 1 there is nothing to reserve)"
                    : "an integer from 0 to " + (total - 1);
            problems.add(new SettingProblem(SLOTS_RT_RESERVED.name(), raw.value, raw.origin(),
                    reserved + " reserved slots leave no slot for batch calls with " + totalText
                            + "; it must be less than the total",
                    allowed));
            r.values.remove(SLOTS_RT_RESERVED);
        }
    }

    /**
     * Aging reaches RT's level at A + A/boost; an explicit promotion can only make that earlier.
     * With boost 0 only an explicit promotion ends a batch call's wait.
     */
    private static void promotion(Resolved r, List<String> warnings) {
        Duration threshold = r.get(AGING_THRESHOLD);
        Double boost = r.get(AGING_BOOST);
        Optional<Duration> explicit = r.get(AGING_PROMOTION);
        if (threshold == null || boost == null || (r.isExplicit(AGING_PROMOTION) && explicit == null)) {
            return;
        }
        Optional<Duration> natural = natural(threshold, boost);
        if (explicit != null) {
            if (natural.isPresent() && natural.get().compareTo(explicit.get()) < 0) {
                String origin = r.sources.get(AGING_PROMOTION);
                warnings.add(AGING_PROMOTION.name() + " = " + Durations.format(explicit.get()) + " (" + origin
                        + ") has no effect: aging already promotes at threshold + threshold/boost = "
                        + Durations.format(natural.get()));
                r.put(AGING_PROMOTION, natural, "derived: threshold + threshold/boost, earlier than the " + origin);
            }
            return;
        }
        if (!natural.isPresent()) {
            warnings.add(AGING_BOOST.name() + " = " + AGING_BOOST.type().format(boost) + " and no " + AGING_PROMOTION.name()
                    + ": batch calls are never promoted and may starve while real-time calls keep the slots busy");
        }
        r.put(AGING_PROMOTION, natural, "default: threshold + threshold/boost");
    }

    /** A + A/boost; empty when boost is 0 or so small that the result is beyond any real wait. */
    static Optional<Duration> natural(Duration threshold, double boost) {
        if (boost <= 0) {
            return Optional.empty();
        }
        BigDecimal a = BigDecimal.valueOf(threshold.toNanos());
        BigDecimal nanos = a.add(a.divide(BigDecimal.valueOf(boost), 0, RoundingMode.HALF_UP));
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos(nanos.longValueExact()));
    }
}
