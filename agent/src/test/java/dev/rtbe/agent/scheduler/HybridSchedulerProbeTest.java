package dev.rtbe.agent.scheduler;

import static dev.rtbe.agent.scheduler.Priority.BE;
import static dev.rtbe.agent.scheduler.Priority.RT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The rules of a probe ({@link HybridScheduler#setTotalSlots(int, boolean)}): while a pool learns
 * its N, one call may start above N, on a virtual clock. A probe is a batch call, taken only when
 * all N slots are busy and RT holds its reserve; RT may be the probe only where no batch call runs
 * or waits.
 */
class HybridSchedulerProbeTest {
    private final VirtualClock clock = new VirtualClock();

    private HybridScheduler scheduler(int n, int r) {
        HybridScheduler s = new HybridScheduler(SchedulerPolicy.builder(8).rtReservedSlots(r).promotionAfter(null)
                .build(), clock);
        s.setTotalSlots(n);
        return s;
    }

    private static Permit granted(CompletableFuture<Permit> f) {
        assertTrue(f.isDone() && !f.isCompletedExceptionally(), "expected a granted slot: " + f);
        return f.join();
    }

    @Test
    void aBatchCallIsTheProbeOnceAllSlotsAreBusyAndRtHoldsItsReserve() {
        HybridScheduler s = scheduler(2, 1);
        s.setTotalSlots(2, true);
        assertEquals(1, s.policy().rtReservedSlots(), "R is that of the learned N");
        assertTrue(s.policy().probe());
        Permit be = s.tryAcquire(BE);
        assertNotNull(be);
        assertNull(s.tryAcquire(BE), "one slot free, and it is RT's reserve: a probe never takes it");
        Permit rt = s.tryAcquire(RT);
        assertNotNull(rt, "RT takes its reserved slot");
        assertNull(s.tryAcquire(BE), "the RT call has no first token yet: it may not be in the server");
        rt.running();
        Permit probe = s.tryAcquire(BE);
        assertNotNull(probe, "both slots busy, RT holds its reserve: one batch call may go above N");
        assertEquals(3, s.snapshot().inFlight());
        assertNull(s.tryAcquire(BE), "never a second call above N");
        assertNull(s.tryAcquire(RT), "RT stays within N");
        be.release();
        assertNull(s.tryAcquire(RT), "two running of N = 2: RT waits, whichever call ended");
        probe.release();
        assertNotNull(s.tryAcquire(RT));
    }

    @Test
    void rtIsNeverTheProbeWhileABatchCallRuns() {
        HybridScheduler s = scheduler(1, 1); // R is 0 at N = 1
        s.setTotalSlots(1, true);
        Permit be = s.tryAcquire(BE);
        assertNull(s.tryAcquire(RT), "the one slot is busy with a batch call: RT waits for it in the queue");
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        Permit probe = s.tryAcquire(BE);
        assertNull(probe, "an RT call waits: a new batch call does not pass it");
        assertFalse(rt.isDone());
        be.release();
        granted(rt);
    }

    @Test
    void aWaitingBatchCallBecomesTheProbeWhenRtFillsItsReserve() {
        HybridScheduler s = scheduler(2, 1);
        s.setTotalSlots(2, true);
        Permit be = s.tryAcquire(BE);
        CompletableFuture<Permit> waiting = s.acquireAsync(BE, null);
        assertFalse(waiting.isDone(), "the free slot is RT's reserve");
        Permit rt = s.tryAcquire(RT);
        assertNotNull(rt);
        assertFalse(waiting.isDone());
        rt.running(); // its first token
        granted(waiting);
        assertEquals(3, s.snapshot().inFlight(), "the waiting batch call went above N as the probe");
        be.release();
        rt.release();
        waiting.join().release();
        assertEquals(0, s.snapshot().inFlight());
    }

    @Test
    void anRtCallIsNeverSentWhileAFailedProbeWaitsForTheFirstSlotToFree() {
        HybridScheduler s = scheduler(2, 1);
        s.setTotalSlots(2, true);
        Permit be = s.tryAcquire(BE);
        Permit reader = s.tryAcquire(RT);
        reader.running();
        Permit probe = s.tryAcquire(BE);
        assertNotNull(probe);
        s.setTotalSlots(2, false); // the pool closes the probe once it is out
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        reader.release();
        // The server (2 slots) gives the slot the reader freed to the probe waiting inside it.
        assertFalse(rt.isDone(), "2 running of N = 2: the next RT call waits here, not behind the probe in the server");
        be.release();
        granted(rt); // one slot really free in the server
        Invariants.check(s, 1, 1, "after the probe's extra call");
        probe.release();
    }

    @Test
    void rtMayBeTheProbeInAPoolWithNoBatchCalls() {
        HybridScheduler s = scheduler(1, 0);
        s.setTotalSlots(1, true);
        Permit first = s.tryAcquire(RT);
        Permit probe = s.tryAcquire(RT);
        assertNotNull(probe, "no batch call runs or waits: RT may probe, it can only wait behind RT calls");
        assertNull(s.tryAcquire(RT), "never a second call above N");
        assertNull(s.tryAcquire(BE));
        first.release();
        probe.release();
    }

    @Test
    void noProbeWhileAnRtCallWaitsAndTheBatchCallIsTheProbeOnceItGoes() {
        HybridScheduler s = scheduler(1, 0);
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        s.setTotalSlots(1, true);
        assertFalse(be.isDone(), "an RT call waits for a slot within N: no batch call goes ahead of it");
        assertFalse(rt.isDone(), "a batch call waits: RT is not the probe");
        running.release();
        granted(rt);
        assertFalse(be.isDone(), "the RT call just granted has no first token yet");
        rt.join().running();
        granted(be); // N busy with a running RT call, nobody waits: the batch call is the probe
        assertEquals(2, s.snapshot().inFlight());
        rt.join().release();
        be.join().release();
    }

    @Test
    void aWaiterLeavingLetsTheOtherClassProbe() {
        HybridScheduler s = scheduler(1, 0);
        Permit running = s.tryAcquire(RT);
        running.running();
        CompletableFuture<Permit> rt = s.acquireAsync(RT, Duration.ofSeconds(1));
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        s.setTotalSlots(1, true);
        assertFalse(be.isDone());
        clock.advance(Duration.ofSeconds(2));
        assertTrue(rt.isCompletedExceptionally(), "the RT call gave up at its timeout");
        granted(be); // no RT call waits any more
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        assertFalse(rt2.isDone());
        running.release();
        assertFalse(rt2.isDone(), "the probe is the pool's N + 1st call: RT waits for one more end");
        be.join().release();
        granted(rt2).release();
    }

    @Test
    void closingTheProbeRevokesNothingAndPromotionDoesNotOpenIt() {
        HybridScheduler s = new HybridScheduler(SchedulerPolicy.builder(2).rtReservedSlots(1)
                .promotionAfter(Duration.ofSeconds(10)).build(), clock);
        Permit be = s.tryAcquire(BE);
        Permit rt = s.tryAcquire(RT);
        rt.running();
        CompletableFuture<Permit> old = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(20));
        assertFalse(old.isDone(), "a promoted batch call still needs a slot BE may take; no probe is open");
        s.setTotalSlots(2, true);
        Permit probe = granted(old);
        s.setTotalSlots(2);
        assertFalse(s.policy().probe());
        assertFalse(probe.isReleased(), "the probe keeps its slot");
        Invariants.check(s, 1, 2, true, "3 running of N = 2 after the probe closed");
        be.release();
        rt.release();
        probe.release();
        Invariants.check(s, 0, 0, "drained");
    }

    @Test
    void aBatchProbeWaitsUntilEveryRunningRtCallHadItsFirstToken() {
        HybridScheduler s = scheduler(2, 0);
        s.setTotalSlots(2, true);
        Permit rt1 = s.tryAcquire(RT);
        Permit rt2 = s.tryAcquire(RT);
        CompletableFuture<Permit> probe = s.acquireAsync(BE, null);
        rt1.running();
        assertFalse(probe.isDone(), "an RT call just sent may still be on its way: a probe could overtake it");
        rt2.running();
        granted(probe); // both RT calls run in the server: the batch call probes N + 1
        rt1.release();
        rt2.release();
        probe.join().release();
        Permit late = s.tryAcquire(RT);
        late.release(); // released before its first token: it counts no more
        late.running(); // after the release: changes nothing
        Permit a = s.tryAcquire(RT);
        Permit b = s.tryAcquire(RT);
        a.running();
        b.running();
        assertNotNull(s.tryAcquire(BE), "nothing left unconfirmed: the probe goes");
        a.release();
        b.release();
    }

    @Test
    void noProbeStartsWithinTheSpacingAfterAGrantSoNoCallGrantedWithItIsOvertaken() {
        HybridScheduler s = new HybridScheduler(SchedulerPolicy.builder(8).rtReservedSlots(0).promotionAfter(null)
                .probeSpacing(Duration.ofMillis(20)).build(), clock);
        s.setTotalSlots(1);
        Permit first = s.tryAcquire(BE);
        CompletableFuture<Permit> plain = s.acquireAsync(BE, null);
        CompletableFuture<Permit> probe = s.acquireAsync(BE, null);
        first.release(); // grants the next batch call
        granted(plain);
        s.setTotalSlots(1, true);
        assertFalse(probe.isDone(), "a call was granted just now: a probe could reach the server before it");
        clock.advance(Duration.ofMillis(19));
        assertFalse(probe.isDone());
        clock.advance(Duration.ofMillis(1));
        granted(probe); // the spacing's timer lets it go
        plain.join().release();
        probe.join().release();
    }
}
