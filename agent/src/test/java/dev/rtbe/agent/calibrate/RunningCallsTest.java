package dev.rtbe.agent.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RunningCallsTest {

    @Test
    void aCallIsJudgedAtTheMostCallsRunningBesideItNotAtEveryCallStartedMeanwhile() {
        RunningCalls r = new RunningCalls();
        r.started();
        long before = r.startsSoFar();
        int k = r.started(); // this call: 2 running
        assertEquals(2, k);
        // Four more calls start during its life, each after one ended: never more than 3 at once.
        for (int i = 0; i < 4; i++) {
            r.started();
            r.ended();
        }
        assertEquals(3, r.mostRunning(before, r.startsSoFar(), k), "not 2 + 4");
        assertEquals(2, r.mostRunning(before, before + 1, k), "nothing started after it");
        assertEquals(2, r.running());
    }

    @Test
    void startsNoLongerRememberedAreCountedAsAnUpperBound() {
        RunningCalls r = new RunningCalls();
        long before = r.startsSoFar();
        int k = r.started();
        for (int i = 0; i < RunningCalls.WINDOW; i++) {
            r.started();
            r.ended();
        }
        assertEquals(k + RunningCalls.WINDOW, r.mostRunning(before, r.startsSoFar(), k));
    }
}
