package dev.rtbe.simulator;

import java.io.IOException;

/**
 * Admission of a generation request, in Ollama's order: validate, resolve the model, attach to its runner (waiting
 * for an eviction and the load if needed), queue for one of that model's slots (503 when the queue is full), wait at
 * its gate if it has one ({@link SimHeaders#HOLD}, {@link OllamaSimulator#holdModels}), then run the {@link Generation} and free the slot.
 */
final class GenerationHandler {
    private final SimulatorConfig config;
    private final TimingModel timing;
    private final ModelRegistry models;
    private final LoadedModels runners;
    private final RequestLog log;
    private final Gates gates;

    GenerationHandler(SimulatorConfig config, TimingModel timing, ModelRegistry models, LoadedModels runners,
                      RequestLog log, Gates gates) {
        this.config = config;
        this.timing = timing;
        this.models = models;
        this.runners = runners;
        this.log = log;
        this.gates = gates;
    }

    void handle(Exchange ex, Endpoint ep) throws IOException, InterruptedException {
        HttpRequestData req = ex.request();
        RequestLog.Live rec = log.open(req.path(), req.headers());
        GenerationRequest g;
        try {
            g = GenerationRequest.parse(ep, req, config);
        } catch (GenerationRequest.Invalid e) {
            fail(ex, ep, rec, 400, e.getMessage(), Outcome.ERROR);
            return;
        }
        String model = models.resolve(g.model());
        if (model == null) {
            rec.model(g.model());
            fail(ex, ep, rec, 404, "model \"" + g.model() + "\" not found, try pulling it first", Outcome.ERROR);
            return;
        }
        if (config.isEmbeddingModel(model)) {
            rec.model(model);
            String op = ep == Endpoint.GENERATE ? "generate" : "chat";
            fail(ex, ep, rec, 400, "\"" + g.model() + "\" does not support " + op, Outcome.ERROR);
            return;
        }
        int promptTokens = timing.promptTokens(g.promptText());
        rec.describe(model, g.stream(), promptTokens, g.firstToken());

        Cancellation cancel = ex.cancellation();
        cancel.onCancel(() -> rec.disconnected(cancel.cancelledAt(), false));
        ex.watchForDisconnect();

        LoadedModels.Lease lease = runners.attach(model, cancel);
        if (lease == null) {
            disconnected(rec, cancel);
            return;
        }
        try {
            serve(ex, ep, rec, g, model, promptTokens, cancel, lease);
        } finally {
            lease.close();
        }
    }

    private void serve(Exchange ex, Endpoint ep, RequestLog.Live rec, GenerationRequest g, String model,
                       int promptTokens, Cancellation cancel, LoadedModels.Lease lease)
            throws IOException, InterruptedException {
        SlotScheduler scheduler = lease.slots();
        WireFormat format = ep.format(model, g.includeUsage(), config.omitZeroMetrics());
        if (g.loadOnly()) {
            rec.status(200);
            rec.finish(Outcome.COMPLETED, null);
            ex.response().sendFixed(200, Frames.JSON, format.loadBody(model), false);
            return;
        }

        SlotScheduler.Ticket ticket;
        try {
            ticket = scheduler.acquire(cancel);
        } catch (QueueFullException e) {
            fail(ex, ep, rec, 503, QueueFullException.MESSAGE, Outcome.REJECTED);
            return;
        }
        if (ticket == null) {
            disconnected(rec, cancel);
            return;
        }
        rec.started(ticket);
        try {
            String gate = gates.gateOf(g);
            if (gate != null && !gates.pass(gate, cancel)) {
                disconnected(rec, cancel);
                return;
            }
            long workStart = gate == null ? ticket.grantedAt : System.nanoTime(); // a held request starts late
            ResponseSink sink = g.stream()
                    ? ResponseSink.streaming(ex.response(), format)
                    : ResponseSink.buffered(ex.response(), format);
            boolean abort = g.stream() || config.nonStreamingDisconnect() == DisconnectPolicy.ABORT;
            Outcome outcome = new Generation(g, model, promptTokens, timing, lease, sink, cancel, rec, abort, gates)
                    .run(ticket, workStart);
            if (ex.response().committed()) rec.status(200);
            // A completed request's end was taken when its final write began, before Generation freed its slot.
            if (outcome == Outcome.DISCONNECTED) {
                disconnected(rec, cancel);
            } else {
                rec.finish(outcome, null);
            }
        } finally {
            rec.finish(Outcome.ERROR, "generation failed");
            lease.release(ticket);
        }
    }

    static void disconnected(RequestLog.Live rec, Cancellation cancel) {
        long at = cancel.cancelledAt();
        rec.disconnected(at >= 0 ? at : System.nanoTime(), true);
        rec.finish(Outcome.DISCONNECTED, null);
    }

    private static void fail(Exchange ex, Endpoint ep, RequestLog.Live rec, int status, String message, Outcome outcome)
            throws IOException {
        rec.status(status);
        rec.finish(outcome, message);
        ex.response().sendFixed(status, Frames.JSON, ep.errorBody(status, message), false);
    }
}
