package dev.rtbe.simulator;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The timed life of a request that holds a slot: prefill, then one decode step per output token plus the stop
 * step. Token 0 appears when prefill ends (TTFT = wait + prefill), and the slot is held for prefill + all decode
 * steps, matching the bench trace's prefill_s + gen_s. Deadlines are absolute, so slow writes do not add drift.
 */
final class Generation {
    private final GenerationRequest request;
    private final String model;
    private final int promptTokens;
    private final TimingModel timing;
    private final LoadedModels.Lease lease;
    private final ResponseSink sink;
    private final Cancellation cancel;
    private final RequestLog.Live record;
    private final boolean abortOnDisconnect;
    private final Gates gates;

    Generation(GenerationRequest request, String model, int promptTokens, TimingModel timing, LoadedModels.Lease lease,
               ResponseSink sink, Cancellation cancel, RequestLog.Live record, boolean abortOnDisconnect, Gates gates) {
        this.request = request;
        this.model = model;
        this.promptTokens = promptTokens;
        this.timing = timing;
        this.lease = lease;
        this.sink = sink;
        this.cancel = cancel;
        this.record = record;
        this.abortOnDisconnect = abortOnDisconnect;
        this.gates = gates;
    }

    /**
     * Runs from {@code slotStart} (the slot's grant, or the end of a hold) to the end; returns the outcome to record
     * before the slot is released.
     */
    Outcome run(SlotScheduler.Ticket ticket, long slotStart) throws InterruptedException {
        int seed = request.textSeed();
        int first = request.firstToken(); // > 0 when this request continues an answer's partial output
        int n = request.outputTokens();
        long prefill = timing.prefillNanos(promptTokens, request.prefillOverrideMs());
        long genStart = slotStart + timing.toWall(prefill); // moved on by a pause (X-Sim-Pause)
        GenerationRequest.Pause pause = gates.pauseOf(request);
        if (!waitUntil(genStart)) return Outcome.DISCONNECTED;
        long eval = 0;
        for (int i = 0; i < n; i++) {
            record.token(); // before the write: a client that sees the chunk also sees it recorded
            try {
                sink.token(TextGenerator.token(seed, first + i), i);
            } catch (IOException e) {
                cancel.cancel();
                return Outcome.DISCONNECTED;
            }
            if (pause != null && first + i + 1 == pause.afterTokens()) {
                long pausedAt = System.nanoTime();
                if (!gates.pass(pause.gate(), cancel)) return Outcome.DISCONNECTED;
                genStart += System.nanoTime() - pausedAt; // the later steps keep their durations
            }
            // The step after token i yields token i+1, or the unseen stop token after the last one.
            // The batch is this model's: only its own running sequences slow it down.
            // A continuation takes its tokens' share of an X-Sim-Gen-Ms that times the whole answer.
            eval += timing.decodeStepNanos(lease.slots().running(), first + i, first + n, request.genOverrideMs());
            if (!waitUntil(genStart + timing.toWall(eval))) return Outcome.DISCONNECTED;
        }
        if (cancel.isCancelled()) return Outcome.DISCONNECTED; // KEEP_COMPUTING: nobody left to answer
        // total = load + queue wait + prefill + decode, so total - load - prompt_eval - eval is the wait for one of
        // the model's slots, as with Ollama. Only the waits are measured (they are made of other requests' scaled
        // work); handler overhead is left out because the time scale would magnify it.
        long queueWait = timing.toModel(ticket.grantedAt - ticket.enqueuedAt);
        long load = lease.loadNanos();
        GenerationStats stats = new GenerationStats(model, request.lengthLimited() ? "length" : "stop",
                load + queueWait + prefill + eval, load, promptTokens, prefill, n, eval);
        record.responding();
        // Generation is over: the slot is free before the last bytes go out, so a client that has them (and
        // sends its next request) never finds this request still holding a slot.
        lease.release(ticket);
        try {
            sink.finish(stats);
        } catch (IOException e) {
            cancel.cancel();
            return Outcome.DISCONNECTED;
        }
        return Outcome.COMPLETED;
    }

    /** False if the client disconnected and this request aborts on disconnect. */
    private boolean waitUntil(long deadline) throws InterruptedException {
        if (abortOnDisconnect) return !cancel.awaitUntil(deadline);
        long left;
        while ((left = deadline - System.nanoTime()) > 0) TimeUnit.NANOSECONDS.sleep(left);
        return true;
    }
}
