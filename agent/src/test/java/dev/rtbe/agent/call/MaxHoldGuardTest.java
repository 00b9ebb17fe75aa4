package dev.rtbe.agent.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rtbe.agent.scheduler.Cancellable;
import dev.rtbe.agent.scheduler.VirtualClock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaxHoldGuardTest {
    private final VirtualClock clock = new VirtualClock();
    private final MaxHoldGuard guard = new MaxHoldGuard(clock);
    private final List<String> expired = new ArrayList<>();
    private final long t0 = clock.nanoTime();

    /** A hold {@code deadline} ns after the test's start; its expiry is noted with the time since then. */
    private Cancellable hold(String name, long deadline) {
        return guard.hold(t0 + deadline, () -> expired.add(name + "@" + (clock.nanoTime() - t0)));
    }

    @Test
    void eachHoldExpiresAtItsOwnDeadline() {
        hold("a", 100);
        hold("b", 150);
        hold("c", 150);
        clock.advanceNanos(99);
        assertEquals(List.of(), expired);
        clock.advanceNanos(1);
        assertEquals(List.of("a@100"), expired);
        clock.advanceNanos(50);
        assertEquals(List.of("a@100", "b@150", "c@150"), expired);
        assertEquals(0, clock.pendingTasks(), "nothing held: no timer left");
    }

    @Test
    void aCancelledHoldNeverExpiresAndTheNextStillDoes() {
        Cancellable a = hold("a", 100);
        hold("b", 200);
        a.cancel();
        a.cancel(); // idempotent
        clock.advanceNanos(150);
        assertEquals(List.of(), expired);
        clock.advanceNanos(50);
        assertEquals(List.of("b@200"), expired);
    }

    @Test
    void anEarlierDeadlineAddedLaterIsNotLate() {
        hold("late", 500);
        hold("early", 100);
        clock.advanceNanos(100);
        assertEquals(List.of("early@100"), expired);
        clock.advanceNanos(400);
        assertEquals(List.of("early@100", "late@500"), expired);
    }

    @Test
    void holdsAddedAfterTheTimerFiredAreWatchedAgain() {
        hold("a", 100).cancel();
        clock.advanceNanos(100);
        hold("b", 300);
        clock.advanceNanos(200);
        assertEquals(List.of("b@300"), expired);
    }

    @Test
    void aTimerIsSetOnlyWhenTheEarliestDeadlineMoves() {
        for (int i = 0; i < 100; i++) {
            hold("h" + i, 1_000 + i).cancel(); // calls that end long before their max hold
        }
        assertEquals(1, clock.pendingTasks(), "one timer for all held calls, not one per call");
    }
}
