package dev.rtbe.simulator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An embedding request, in Ollama's order: validate, resolve the model, attach to its runner (eviction wait, load),
 * then hold one of that model's slots while all inputs are evaluated (prefill only: prompt tokens at the prompt
 * rate, or {@code X-Sim-Prefill-Ms}), and answer in the endpoint's shape. No input only loads the model.
 */
final class EmbeddingHandler {
    private final SimulatorConfig config;
    private final TimingModel timing;
    private final ModelRegistry models;
    private final LoadedModels runners;
    private final RequestLog log;

    EmbeddingHandler(SimulatorConfig config, TimingModel timing, ModelRegistry models, LoadedModels runners,
                     RequestLog log) {
        this.config = config;
        this.timing = timing;
        this.models = models;
        this.runners = runners;
        this.log = log;
    }

    void handle(Exchange ex, EmbeddingEndpoint ep) throws IOException, InterruptedException {
        HttpRequestData req = ex.request();
        RequestLog.Live rec = log.open(req.path(), req.headers());
        EmbeddingRequest e;
        try {
            e = EmbeddingRequest.parse(ep, req);
        } catch (GenerationRequest.Invalid invalid) {
            fail(ex, ep, rec, 400, invalid.getMessage(), Outcome.ERROR);
            return;
        }
        String model = models.resolve(e.model());
        if (model == null) {
            rec.model(e.model());
            fail(ex, ep, rec, 404, "model \"" + e.model() + "\" not found, try pulling it first", Outcome.ERROR);
            return;
        }
        int promptTokens = 0;
        for (String input : e.inputs()) promptTokens += timing.promptTokens(input);
        rec.describe(model, false, promptTokens);

        Cancellation cancel = ex.cancellation();
        cancel.onCancel(() -> rec.disconnected(cancel.cancelledAt(), false));
        ex.watchForDisconnect();

        LoadedModels.Lease lease = runners.attach(model, cancel);
        if (lease == null) {
            GenerationHandler.disconnected(rec, cancel);
            return;
        }
        try {
            serve(ex, ep, rec, e, promptTokens, cancel, lease);
        } finally {
            lease.close();
        }
    }

    private void serve(Exchange ex, EmbeddingEndpoint ep, RequestLog.Live rec, EmbeddingRequest e, int promptTokens,
                       Cancellation cancel, LoadedModels.Lease lease) throws IOException, InterruptedException {
        if (e.inputs().isEmpty()) {
            rec.status(200);
            rec.finish(Outcome.COMPLETED, null);
            ex.response().sendFixed(200, Frames.JSON, ep.body(e, List.of(), 0, 0, 0, config.omitZeroMetrics()), false);
            return;
        }
        SlotScheduler.Ticket ticket;
        try {
            ticket = lease.slots().acquire(cancel);
        } catch (QueueFullException full) {
            fail(ex, ep, rec, 503, QueueFullException.MESSAGE, Outcome.REJECTED);
            return;
        }
        if (ticket == null) {
            GenerationHandler.disconnected(rec, cancel);
            return;
        }
        rec.started(ticket);
        try {
            long prefill = timing.prefillNanos(promptTokens, e.prefillOverrideMs());
            if (!waitUntil(ticket.grantedAt + timing.toWall(prefill), cancel) || cancel.isCancelled()) {
                GenerationHandler.disconnected(rec, cancel);
                return;
            }
            List<float[]> vectors = new ArrayList<>();
            for (String input : e.inputs()) vectors.add(Embeddings.vector(input));
            // As for generations: total = load + wait for a slot + prompt evaluation, waits measured, overhead not.
            long load = lease.loadNanos();
            long total = load + timing.toModel(ticket.grantedAt - ticket.enqueuedAt) + prefill;
            byte[] body = ep.body(e, vectors, total, load, promptTokens, config.omitZeroMetrics());
            rec.responding();
            lease.release(ticket);
            rec.status(200);
            try {
                ex.response().sendFixed(200, Frames.JSON, body, false);
            } catch (IOException gone) {
                cancel.cancel();
                GenerationHandler.disconnected(rec, cancel);
                return;
            }
            rec.finish(Outcome.COMPLETED, null);
        } finally {
            rec.finish(Outcome.ERROR, "embedding failed");
            lease.release(ticket);
        }
    }

    /** False if the client disconnected and non-streaming requests abort on disconnect. */
    private boolean waitUntil(long deadline, Cancellation cancel) throws InterruptedException {
        if (config.nonStreamingDisconnect() == DisconnectPolicy.ABORT) return !cancel.awaitUntil(deadline);
        long left;
        while ((left = deadline - System.nanoTime()) > 0) TimeUnit.NANOSECONDS.sleep(left);
        return true;
    }

    private static void fail(Exchange ex, EmbeddingEndpoint ep, RequestLog.Live rec, int status, String message,
                             Outcome outcome) throws IOException {
        rec.status(status);
        rec.finish(outcome, message);
        ex.response().sendFixed(status, Frames.JSON, ep.errorBody(status, message), false);
    }
}
