package dev.rtbe.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CrossFieldRulesTest {

    private static Settings total(String n) {
        return new Fixture().sys("rtbe.slots.total", n).load();
    }

    @Test
    void reservedDefaultIsMinOfOneAndTotalMinusOne() {
        assertEquals(0, total("1").rtReservedSlots());
        assertEquals(1, total("2").rtReservedSlots());
        assertEquals(1, total("3").rtReservedSlots());
        assertEquals("default: min(1, total - 1)", total("3").sourceOf("rtbe.slots.rt-reserved"));
    }

    @Test
    void explicitReservedBelowTotalIsKept() {
        Settings s = new Fixture().sys("rtbe.slots.total", "4").args("slots.rt-reserved=3").load();
        assertEquals(3, s.rtReservedSlots());
    }

    @Test
    void explicitReservedAtOrAboveTotalIsAnError() {
        InvalidSettingsException e = new Fixture().sys("rtbe.slots.total", "2").args("slots.rt-reserved=2").fail();
        assertEquals(List.of("rtbe.slots.rt-reserved = \"2\" (agent argument): 2 reserved slots leave no slot for batch"
                        + " calls with rtbe.slots.total = 2 (system property); it must be less than the total;"
                        + " allowed: an integer from 0 to 1"),
                e.problems().stream().map(SettingProblem::message).collect(java.util.stream.Collectors.toList()));
    }

    @Test
    void seedDeploymentWithOneSlotReservedForRtIsLoweredWithAWarning() {
        // The seed ran total=1, reserved=1 (no real reservation); a migrating user keeps the agent.
        Settings s = new Fixture().env("OLLAMA_NUM_PARALLEL", "1").env("SCHEDULING_RT_RESERVED_SLOTS", "1").load();
        assertEquals(0, s.rtReservedSlots());
        assertEquals("seed variable SCHEDULING_RT_RESERVED_SLOTS, lowered to total - 1", s.sourceOf("rtbe.slots.rt-reserved"));
        assertEquals(1, s.warnings().size());
        assertTrue(s.warnings().get(0).startsWith("rtbe.slots.rt-reserved = 1 (seed variable SCHEDULING_RT_RESERVED_SLOTS)"),
                s.warnings().get(0));
    }

    @Test
    void badTotalSkipsTheReservedRule() {
        InvalidSettingsException e = new Fixture().sys("rtbe.slots.total", "x").sys("rtbe.slots.rt-reserved", "5").fail();
        assertEquals(1, e.problems().size());
    }

    @Test
    void promotionDefaultIsThresholdPlusThresholdOverBoost() {
        Settings s = new Fixture().sys("rtbe.aging.threshold", "10s").sys("rtbe.aging.boost", "0.25").load();
        assertEquals(Optional.of(Duration.ofSeconds(50)), s.promotionAfter());
        assertEquals("default: threshold + threshold/boost", s.sourceOf("rtbe.aging.promotion"));
    }

    @Test
    void earlierExplicitPromotionApplies() {
        Settings s = new Fixture().sys("rtbe.aging.promotion", "2m").load();
        assertEquals(Optional.of(Duration.ofMinutes(2)), s.promotionAfter());
        assertEquals("system property", s.sourceOf("rtbe.aging.promotion"));
        assertEquals(List.of(), s.warnings());
    }

    @Test
    void laterExplicitPromotionIsAllowedButTheEarlierApplies() {
        Settings s = new Fixture().env("SCHEDULING_PRIORITY_PROMOTION_THRESHOLD_SECONDS", "600").load();
        assertEquals(Optional.of(Duration.ofMinutes(3)), s.promotionAfter());
        assertEquals("derived: threshold + threshold/boost, earlier than the seed variable "
                + "SCHEDULING_PRIORITY_PROMOTION_THRESHOLD_SECONDS", s.sourceOf("rtbe.aging.promotion"));
        assertEquals(List.of("rtbe.aging.promotion = 10m (seed variable SCHEDULING_PRIORITY_PROMOTION_THRESHOLD_SECONDS)"
                + " has no effect: aging already promotes at threshold + threshold/boost = 3m"), s.warnings());
    }

    @Test
    void boostZeroWithoutPromotionNeverPromotesAndWarns() {
        Settings s = new Fixture().sys("rtbe.aging.boost", "0").load();
        assertEquals(Optional.empty(), s.promotionAfter());
        assertEquals("none", s.effective().get("rtbe.aging.promotion"));
        assertEquals(1, s.warnings().size());
        assertTrue(s.warnings().get(0).startsWith("rtbe.aging.boost = 0 and no rtbe.aging.promotion"), s.warnings().get(0));
    }

    @Test
    void boostZeroWithExplicitPromotionUsesIt() {
        Settings s = new Fixture().sys("rtbe.aging.boost", "0").sys("rtbe.aging.promotion", "1h").load();
        assertEquals(Optional.of(Duration.ofHours(1)), s.promotionAfter());
        assertEquals(List.of(), s.warnings());
    }

    @Test
    void promotionIsNotNoneable() {
        InvalidSettingsException e = new Fixture().sys("rtbe.aging.promotion", "none").fail();
        assertEquals("not a duration", e.problems().get(0).reason());
    }

    @Test
    void naturalPromotionOverflowMeansNever() {
        assertEquals(Optional.empty(), CrossFieldRules.natural(Duration.ofHours(1), 1e-300));
        assertEquals(Optional.of(Duration.ZERO), CrossFieldRules.natural(Duration.ZERO, 0.5));
    }
}
