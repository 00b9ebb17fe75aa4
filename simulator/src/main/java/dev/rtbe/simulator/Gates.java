package dev.rtbe.simulator;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;

/**
 * Named gates for {@link SimHeaders#HOLD}: a request holds its slot until a test opens its gate, so the test, not
 * the machine's speed, decides how long the slots stay taken. A gate starts closed and, once open, stays open.
 * A request may also be held, or paused part-way ({@link SimHeaders#PAUSE}), by its model's name, for clients that
 * cannot set a header.
 */
final class Gates {
    private final ConcurrentHashMap<String, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();
    private volatile Predicate<String> heldModels = model -> false;
    private volatile Predicate<String> pausedModels = model -> false;
    private volatile int pauseAfter;

    void holdModels(Predicate<String> models) {
        heldModels = models;
    }

    void pauseModels(Predicate<String> models, int afterTokens) {
        pauseAfter = afterTokens;
        pausedModels = models;
    }

    /** The gate this request waits at: the one its header names, else its model if that is held, else none (null). */
    String gateOf(GenerationRequest g) {
        return g.hold() != null ? g.hold() : heldModels.test(g.model()) ? g.model() : null;
    }

    /** Where this request pauses part-way: as its header says, else at its model's gate if that pauses, else nowhere. */
    GenerationRequest.Pause pauseOf(GenerationRequest g) {
        return g.pause() != null ? g.pause()
                : pausedModels.test(g.model()) ? new GenerationRequest.Pause(g.model(), pauseAfter) : null;
    }

    void open(String name) {
        gate(name).complete(null);
    }

    /** Waits until the gate opens (true) or the client goes away (false). */
    boolean pass(String name, Cancellation cancel) throws InterruptedException {
        CompletableFuture<Void> gate = gate(name);
        CompletableFuture<Void> gone = new CompletableFuture<>();
        cancel.onCancel(() -> gone.complete(null));
        try {
            CompletableFuture.anyOf(gate, gone).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // neither future ever fails
        }
        return !cancel.isCancelled();
    }

    private CompletableFuture<Void> gate(String name) {
        return gates.computeIfAbsent(name, n -> new CompletableFuture<>());
    }
}
