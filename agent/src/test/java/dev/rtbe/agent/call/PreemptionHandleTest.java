package dev.rtbe.agent.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.VirtualClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One attempt of a batch call holding the only slot, against the real scheduler: offered, it loses
 * the slot to an RT call and its exchange is aborted (now, or once it starts); once its response
 * arrived it is immune; a response that comes after the preemption does not go up.
 */
class PreemptionHandleTest {
    private final List<String> aborted = new CopyOnWriteArrayList<>();

    @BeforeEach
    void install() {
        Map<String, String> props = new HashMap<>();
        props.put("rtbe.endpoints", "127.0.0.1:11434");
        props.put("rtbe.slots.total", "1");
        props.put("rtbe.pools.by-model", "false");
        props.put("rtbe.preemption", "transparent");
        Settings s = new SettingsLoader(props, "", Map.of(), path -> {
            throw new NoSuchFileException(path);
        }).load();
        AgentRuntime.install(new AgentRuntime(s, new VirtualClock(),
                new AgentLog(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))));
    }

    @AfterEach
    void uninstall() {
        AgentRuntime.install(null);
    }

    @Test
    void anOfferedAttemptLosesItsSlotAndItsExchangeIsAborted() throws Exception {
        GatedCall batch = granted("be");
        PreemptionHandle<String> attempt = new PreemptionHandle<>(batch, aborted::add);
        attempt.started("exchange 1");
        attempt.offer();
        assertFalse(attempt.preempted());

        CompletableFuture<Permit> rt = granting("rt");
        assertTrue(rt.isDone() && !rt.isCompletedExceptionally(), "the RT call took the slot at once");
        assertEquals(List.of("exchange 1"), aborted, "the scheduler's abort ended the exchange");
        assertTrue(attempt.aborted() && attempt.preempted() && batch.wasPreempted());
        assertFalse(attempt.responseArrived(), "a response after the preemption never goes up");
        rt.join().release();
    }

    @Test
    void anExchangeThatStartsAfterTheAbortIsAbortedAtOnce() throws Exception {
        GatedCall batch = granted("be");
        PreemptionHandle<String> attempt = new PreemptionHandle<>(batch, aborted::add);
        attempt.offer(); // before the send, as the adapters do

        CompletableFuture<Permit> rt = granting("rt");
        assertTrue(attempt.aborted());
        assertTrue(aborted.isEmpty(), "nothing to abort yet");
        assertNull(attempt.exchange());
        attempt.started("late exchange");
        assertEquals(List.of("late exchange"), aborted);
        rt.join().release();
    }

    @Test
    void aResponseThatArrivedEndsTheOffer() throws Exception {
        GatedCall batch = granted("be");
        PreemptionHandle<String> attempt = new PreemptionHandle<>(batch, aborted::add);
        attempt.started("exchange");
        attempt.offer();
        assertTrue(attempt.responseArrived(), "not preempted: the response goes up");

        CompletableFuture<Permit> rt = granting("rt");
        assertFalse(rt.isDone(), "the RT call waits: the batch call is not preemptible any more");
        assertTrue(aborted.isEmpty());
        assertFalse(attempt.preempted());
        batch.finish(Outcome.COMPLETED, null);
        assertTrue(rt.isDone() && !rt.isCompletedExceptionally(), "the slot went to the RT call at the batch call's end");
        rt.join().release();
    }

    @Test
    void anAttemptWhoseResponseArrivedIsNotOfferedAfterwards() throws Exception {
        GatedCall batch = granted("be");
        PreemptionHandle<String> attempt = new PreemptionHandle<>(batch, aborted::add);
        attempt.started("exchange");
        assertTrue(attempt.responseArrived(), "never offered: the response goes up");
        attempt.offer(); // too late (a body copied after the response came): the application may have seen it

        CompletableFuture<Permit> rt = granting("rt");
        assertFalse(rt.isDone(), "the RT call waits for the batch call's end");
        assertTrue(aborted.isEmpty());
        batch.finish(Outcome.COMPLETED, null);
        rt.join().release();
    }

    @Test
    void anRtCallIsNeverOffered() throws Exception {
        GatedCall interactive = granted("rt");
        PreemptionHandle<String> attempt = new PreemptionHandle<>(interactive, aborted::add);
        attempt.started("exchange");
        attempt.offer();
        CompletableFuture<Permit> next = granting("rt");
        assertFalse(next.isDone());
        assertTrue(attempt.responseArrived());
        assertFalse(attempt.preempted());
        interactive.finish(Outcome.COMPLETED, null);
        next.join().release();
    }

    /** A call of class {@code priority} ("rt" or "be") that holds a slot. */
    private static GatedCall granted(String priority) throws Exception {
        GatedCall call = Gate.beginLater(ChatRequests.CHAT).start(null, priority);
        call.acquire(null);
        return call;
    }

    /** A call of class {@code priority} asking for a slot. */
    private static CompletableFuture<Permit> granting(String priority) {
        return Gate.beginLater(ChatRequests.CHAT).start(null, priority).acquireAsync(null);
    }
}
