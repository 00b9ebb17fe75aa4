package dev.rtbe.agent.scheduler.trace;

import dev.rtbe.agent.scheduler.Cancellable;
import dev.rtbe.agent.scheduler.HybridScheduler;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import dev.rtbe.agent.scheduler.VirtualClock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Replays a {@link Trace} on a virtual clock, deterministically and in milliseconds of real time: the real
 * {@link HybridScheduler} (or none) in front of a model server of N slots with a FIFO queue inside (as Ollama
 * queues). RT calls stream; BE calls are kept outstanding by 8 closed-loop workers. With preemption the victim's
 * request is aborted (the server frees its slot at once) and sent again when the call gets a slot again: with
 * {@link Resume#CONTINUE} it keeps its output and needs only its prefill and the rest of its generation (it
 * reports its tokens, as a call read as a stream does); with {@link Resume#RESTART} it starts from zero and its
 * progress is unknown (a non-streamed answer).
 */
final class TraceReplay {
    enum Resume { CONTINUE, RESTART }

    private static final long NANOS = 1_000_000_000L;
    /** Generation speed, for the tokens a streamed call reports (victim choice). */
    private static final long NANOS_PER_TOKEN = 50_000_000L;

    private final Trace trace;
    private final int slots;
    private final Resume resume;
    private final boolean lastSlotRule;
    private final VirtualClock clock = new VirtualClock();
    private final HybridScheduler scheduler; // null: no agent, calls go straight to the server
    private final Server server;
    private final long start;
    private final long runEnd;
    private final List<BeCall> running = new ArrayList<>();
    private final List<Double> ttfts = new ArrayList<>();
    private final double[] ttftByArrival;
    private int rtHolding;
    private int nextBeRow;
    private int beDone;
    private long wastedNanos;

    private TraceReplay(Trace trace, int slots, SchedulerPolicy policy, Resume resume, boolean lastSlotRule) {
        this.trace = trace;
        this.slots = slots;
        this.resume = resume;
        this.lastSlotRule = lastSlotRule;
        this.scheduler = policy == null ? null : new HybridScheduler(policy, clock);
        this.server = new Server(slots);
        this.ttftByArrival = new double[trace.rt.size()];
        this.start = clock.nanoTime();
        this.runEnd = start + seconds(Trace.RUN_LENGTH_S);
    }

    /** One run; {@code policy} null replays without the agent. */
    static Result run(Trace trace, int slots, SchedulerPolicy policy, Resume resume) {
        return new TraceReplay(trace, slots, policy, resume, false).execute();
    }

    /**
     * As {@link #run}, with the rule "never preempt the last slot batch work holds while RT already runs" laid
     * over the policy: the replay withdraws that call's offer while it is the only batch call and RT runs.
     */
    static Result runWithLastSlotRule(Trace trace, int slots, SchedulerPolicy policy, Resume resume) {
        return new TraceReplay(trace, slots, policy, resume, true).execute();
    }

    private Result execute() {
        for (int i = 0; i < trace.rt.size(); i++) {
            RtCall call = new RtCall(trace.rt.get(i), i);
            clock.schedule(start + seconds(call.row.arrivalS), call::arrive);
        }
        for (int i = 0; i < Trace.BE_WORKERS && !trace.be.isEmpty(); i++) {
            issueBe();
        }
        long next;
        while ((next = clock.nextDeadline()) != Long.MAX_VALUE) {
            clock.advanceNanos(Math.max(0, next - clock.nanoTime()));
        }
        Collections.sort(ttfts);
        long preemptions = scheduler == null ? 0 : scheduler.snapshot().preemptions();
        return new Result(ttfts, ttftByArrival, beDone * 3600.0 / Trace.RUN_LENGTH_S,
                (double) wastedNanos / (slots * (double) (runEnd - start)), preemptions);
    }

    private void issueBe() {
        new BeCall(trace.be.get(nextBeRow++)).issue();
    }

    /**
     * Before the scheduler decides: the tokens each running streamed batch call has generated, as its stream
     * shows them; with the last-slot rule, the offers that rule allows.
     */
    private void reportProgress() {
        long now = clock.nanoTime();
        if (resume == Resume.CONTINUE) {
            for (BeCall c : running) {
                Request r = c.request;
                long tokens = r != null && r.firstToken != Long.MIN_VALUE ? (now - r.firstToken) / NANOS_PER_TOKEN : 0;
                c.permit.reportProgress(tokens);
            }
        }
        if (lastSlotRule) {
            boolean protect = running.size() == 1 && rtHolding > 0;
            for (BeCall c : new ArrayList<>(running)) {
                if (protect && c.offered) {
                    c.offered = !c.permit.withdrawPreemption();
                } else if (!protect && !c.offered && running.contains(c)) {
                    c.offer();
                }
            }
        }
    }

    private static long seconds(double s) {
        return Math.round(s * NANOS);
    }

    /** Who sent a request: told of its first token and its end. */
    private interface Caller {
        void onFirstToken(Request r);

        void onEnd(Request r);
    }

    private static final class Request {
        final Caller caller;
        final long prefill;
        final long gen;
        long started = Long.MIN_VALUE;
        long firstToken = Long.MIN_VALUE;
        Cancellable firstTokenTask;
        Cancellable endTask;

        Request(Caller caller, long prefill, long gen) {
            this.caller = caller;
            this.prefill = prefill;
            this.gen = gen;
        }
    }

    /** N slots, FIFO queue inside; an aborted request frees its slot at once. */
    private final class Server {
        final int slots;
        final ArrayDeque<Request> queue = new ArrayDeque<>();
        int busy;

        Server(int slots) {
            this.slots = slots;
        }

        void submit(Request r) {
            if (busy < slots) {
                begin(r);
            } else {
                queue.addLast(r);
            }
        }

        private void begin(Request r) {
            busy++;
            long now = clock.nanoTime();
            r.started = now;
            r.firstTokenTask = clock.schedule(now + r.prefill, () -> {
                r.firstToken = clock.nanoTime();
                r.caller.onFirstToken(r);
            });
            r.endTask = clock.schedule(now + r.prefill + r.gen, () -> {
                busy--;
                startNext();
                r.caller.onEnd(r);
            });
        }

        private void startNext() {
            if (!queue.isEmpty() && busy < slots) {
                begin(queue.pollFirst());
            }
        }

        /** Aborts r; returns its slot time, or -1 if it was still queued (it used none). */
        long abort(Request r) {
            if (r.started == Long.MIN_VALUE) {
                queue.remove(r);
                return -1;
            }
            r.firstTokenTask.cancel();
            r.endTask.cancel();
            busy--;
            startNext();
            return clock.nanoTime() - r.started;
        }
    }

    private final class RtCall implements Caller {
        final Trace.Row row;
        final int index;
        long arrival;
        Permit permit;

        RtCall(Trace.Row row, int index) {
            this.row = row;
            this.index = index;
        }

        void arrive() {
            arrival = clock.nanoTime();
            if (scheduler == null) {
                send();
                return;
            }
            reportProgress();
            scheduler.acquireAsync(Priority.RT, null).thenAccept(p -> {
                permit = p;
                rtHolding++;
                send();
            });
        }

        private void send() {
            server.submit(new Request(this, seconds(row.prefillS), seconds(row.genS)));
        }

        @Override
        public void onFirstToken(Request r) {
            ttftByArrival[index] = (clock.nanoTime() - arrival) / (double) NANOS;
            ttfts.add(ttftByArrival[index]);
            if (permit != null) {
                reportProgress();
                permit.running();
            }
        }

        @Override
        public void onEnd(Request r) {
            if (permit != null) {
                reportProgress();
                rtHolding--;
                permit.release();
            }
        }
    }

    private final class BeCall implements Caller {
        final long prefill;
        long genLeft;
        Permit permit;
        Request request;
        boolean offered;

        BeCall(Trace.Row row) {
            this.prefill = seconds(row.prefillS);
            this.genLeft = seconds(row.genS);
        }

        void issue() {
            if (scheduler == null) {
                send();
                return;
            }
            reportProgress();
            scheduler.acquireAsync(Priority.BE, null).thenAccept(this::granted);
        }

        private void granted(Permit p) {
            permit = p;
            running.add(this);
            send();
            if (scheduler.policy().preemption()) {
                if (resume == Resume.CONTINUE) {
                    p.reportProgress(0);
                }
                if (!lastSlotRule || running.size() > 1 || rtHolding == 0) {
                    offer();
                }
            }
        }

        /** A streamed or non-streamed batch call: preemptible to its end. */
        void offer() {
            Permit p = permit;
            boolean ok = p.offerPreemption(this::preempted);
            if (permit == p && !p.isPreempted()) {
                offered = ok; // unless it was preempted at once (and perhaps granted again) in the offer
            }
        }

        private void send() {
            request = new Request(this, prefill, genLeft);
            server.submit(request);
        }

        /** The scheduler took the slot back: abort on the wire, keep the output (CONTINUE), ask again. */
        private void preempted() {
            running.remove(this);
            offered = false;
            Request r = request;
            request = null;
            long slotTime = server.abort(r);
            long kept = 0;
            if (slotTime > 0) {
                if (resume == Resume.CONTINUE && r.firstToken != Long.MIN_VALUE) {
                    kept = clock.nanoTime() - r.firstToken;
                    genLeft -= kept;
                    permit.keptAfterPreemption(kept);
                }
                wastedNanos += slotTime - kept;
            }
            scheduler.reacquireAsync(permit, null).thenAccept(this::granted);
        }

        @Override
        public void onFirstToken(Request r) {
            if (permit != null) {
                reportProgress();
                permit.running();
            }
        }

        @Override
        public void onEnd(Request r) {
            long now = clock.nanoTime();
            if (now < runEnd) {
                beDone++;
            }
            if (permit != null) {
                running.remove(this);
                reportProgress();
                permit.withdrawPreemption();
                permit.release();
            }
            if (now < runEnd) {
                issueBe();
            }
        }
    }

    /** What one run measured, in unscaled seconds. */
    static final class Result {
        final List<Double> ttfts;
        /** Each RT call's time to first token, in the trace's order. */
        final double[] ttftByArrival;
        final double beDonePerHour;
        final double wastedShare;
        final long preemptions;

        Result(List<Double> ttfts, double[] ttftByArrival, double beDonePerHour, double wastedShare, long preemptions) {
            this.ttfts = ttfts;
            this.ttftByArrival = ttftByArrival;
            this.beDonePerHour = beDonePerHour;
            this.wastedShare = wastedShare;
            this.preemptions = preemptions;
        }

        double mean() {
            return ttfts.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        /** Nearest rank, as the demo reports it. */
        double percentile(double p) {
            int rank = (int) Math.ceil(p / 100.0 * ttfts.size());
            return ttfts.get(Math.max(0, Math.min(ttfts.size() - 1, rank - 1)));
        }

        double max() {
            return ttfts.get(ttfts.size() - 1);
        }
    }
}
