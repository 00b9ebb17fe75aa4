package dev.rtbe.agent.calibrate;

/**
 * The calls of one pool running in this JVM, numbered by their starts, with how many ran at once
 * right after each of the last {@link #WINDOW} starts. A call that waited inside the server is judged
 * at the most calls that ran at once between its start and its first token ({@link #mostRunning}):
 * the calls that can have been ahead of it there. Counting every call started in that time instead
 * counts calls that took the slots of calls that ended meanwhile; for a call without a first token
 * before its end (a non-streaming answer) that is every call started during its whole life, and a
 * wait at a too-high N was judged at a level above N and never lowered it.
 *
 * <p>Thread-safe; every method is short and never waits.
 */
public final class RunningCalls {
    /** Starts remembered: a call whose life spans more starts is judged by the count of its starts. */
    public static final int WINDOW = 256;

    private final int[] runningAfter = new int[WINDOW];
    // Guarded by this.
    private long starts;
    private int running;

    /** A call was granted its slot; returns the calls running now, itself included. */
    public synchronized int started() {
        starts++;
        running++;
        runningAfter[(int) (starts % WINDOW)] = running;
        return running;
    }

    /** A call counted by {@link #started} gave its slot back. */
    public synchronized void ended() {
        running--;
    }

    /** Calls started so far: a call notes this before its start and at its first token. */
    public synchronized long startsSoFar() {
        return starts;
    }

    public synchronized int running() {
        return running;
    }

    /**
     * The most calls running at once right after starts {@code startsBefore + 1} to {@code startsUpTo}
     * (two readings of {@link #startsSoFar}), and at least {@code runningAtStart}. Running calls only
     * grow at a start, so no more ran at any moment between the two readings. When those starts are
     * no longer remembered: {@code runningAtStart} plus every start after the call's own, an upper bound.
     */
    public synchronized int mostRunning(long startsBefore, long startsUpTo, int runningAtStart) {
        if (startsUpTo <= startsBefore) {
            return runningAtStart;
        }
        if (starts - startsBefore > WINDOW) {
            return (int) Math.min(Integer.MAX_VALUE, runningAtStart + (startsUpTo - startsBefore - 1));
        }
        int most = runningAtStart;
        for (long s = startsBefore + 1; s <= startsUpTo; s++) {
            most = Math.max(most, runningAfter[(int) (s % WINDOW)]);
        }
        return most;
    }
}
