package dev.rtbe.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** Thread-safe store of request records; every change wakes waiters so tests wait on conditions, not sleeps. */
final class RequestLog {
    private final long origin;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Live> live = new ArrayList<>();
    private long nextId = 1;

    RequestLog(long origin) {
        this.origin = origin;
    }

    /** The mutable side of a record; all writes go through the log's lock. */
    final class Live {
        private final long id;
        private final String path;
        private final Map<String, List<String>> headers;
        private final long arrival;
        private String model;
        private boolean stream;
        private long start = -1;
        private long firstToken = -1;
        private long lastToken = -1;
        private long end = -1;
        private long disconnect = -1;
        private Outcome outcome = Outcome.IN_PROGRESS;
        private int status;
        private int runningAtStart;
        private long queueSeq = -1;
        private long startSeq = -1;
        private int promptTokens;
        private int evalCount;
        private int continuedTokens;
        private String error;
        private boolean responding;
        private long respondingAt = -1;

        private Live(long id, String path, Map<String, List<String>> headers, long arrival) {
            this.id = id;
            this.path = path;
            this.headers = headers;
            this.arrival = arrival;
        }

        void describe(String model, boolean stream, int promptTokens) {
            describe(model, stream, promptTokens, 0);
        }

        void describe(String model, boolean stream, int promptTokens, int continuedTokens) {
            update(() -> {
                this.model = model;
                this.stream = stream;
                this.promptTokens = promptTokens;
                this.continuedTokens = continuedTokens;
            });
        }

        void model(String model) {
            update(() -> this.model = model);
        }

        void started(SlotScheduler.Ticket t) {
            update(() -> {
                start = t.grantedAt - origin;
                queueSeq = t.queueSeq;
                startSeq = t.startSeq;
                runningAtStart = t.runningAtStart;
            });
        }

        void token() {
            long now = System.nanoTime() - origin;
            update(() -> {
                if (firstToken < 0) firstToken = now;
                lastToken = now;
                evalCount++;
            });
        }

        void status(int status) {
            update(() -> this.status = status);
        }

        /**
         * Generation is over and the final bytes are about to be written: from now on a connection close is
         * the normal end of the exchange, not a disconnect, and a completed request's end is this moment (a
         * client may have the last bytes before the write returns).
         */
        void responding() {
            long now = System.nanoTime() - origin;
            update(() -> {
                responding = true;
                respondingAt = now;
            });
        }

        /** Notes a client disconnect, unless the response was already being completed (unless forced). */
        void disconnected(long atNanoTime, boolean force) {
            update(() -> {
                if (disconnect < 0 && outcome == Outcome.IN_PROGRESS && (force || !responding)) {
                    disconnect = atNanoTime - origin;
                }
            });
        }

        /** Sets the final outcome once; later calls are ignored. */
        void finish(Outcome outcome, String error) {
            long now = System.nanoTime() - origin;
            update(() -> {
                if (this.outcome != Outcome.IN_PROGRESS) return;
                this.outcome = outcome;
                this.error = error;
                end = outcome == Outcome.COMPLETED && respondingAt >= 0 ? respondingAt : now;
            });
        }

        private RequestRecord snapshot() {
            return new RequestRecord(id, path, model, stream, headers, arrival, start, firstToken, lastToken, end,
                    disconnect, outcome, status, runningAtStart, queueSeq, startSeq, promptTokens, evalCount,
                    continuedTokens, error);
        }
    }

    Live open(String path, Map<String, List<String>> requestHeaders) {
        Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        requestHeaders.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        long arrival = System.nanoTime() - origin;
        lock.lock();
        try {
            Live l = new Live(nextId++, path, Collections.unmodifiableMap(copy), arrival);
            live.add(l);
            changed.signalAll();
            return l;
        } finally {
            lock.unlock();
        }
    }

    private void update(Runnable change) {
        lock.lock();
        try {
            change.run();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes condition waiters after a change outside the records (e.g. the scheduler's counters). */
    void touch() {
        update(() -> {});
    }

    List<RequestRecord> snapshot() {
        lock.lock();
        try {
            List<RequestRecord> out = new ArrayList<>(live.size());
            for (Live l : live) out.add(l.snapshot());
            return Collections.unmodifiableList(out);
        } finally {
            lock.unlock();
        }
    }

    List<RequestRecord> awaitRecords(Predicate<List<RequestRecord>> condition, Duration timeout)
            throws TimeoutException, InterruptedException {
        List<RequestRecord>[] result = newHolder();
        await(() -> condition.test(result[0] = snapshot()), timeout, () -> "records: " + result[0]);
        return result[0];
    }

    /**
     * Waits until {@code condition} holds. It is re-checked on every record or scheduler change and at least every
     * 20 ms, so it may also look at state outside the log.
     */
    void await(BooleanSupplier condition, Duration timeout, java.util.function.Supplier<String> describe)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new TimeoutException("condition not met within " + timeout + "; " + describe.get());
                changed.awaitNanos(Math.min(left, 20_000_000L));
            }
        } finally {
            lock.unlock();
        }
    }

    void clear() {
        lock.lock();
        try {
            live.clear();
            nextId = 1;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<RequestRecord>[] newHolder() {
        return (List<RequestRecord>[]) new List<?>[1];
    }
}
