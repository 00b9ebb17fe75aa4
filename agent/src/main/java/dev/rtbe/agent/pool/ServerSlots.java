package dev.rtbe.agent.pool;

import dev.rtbe.agent.calibrate.LlamaCppSlots;
import dev.rtbe.agent.config.Endpoint;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The slots one server publishes about itself (llama.cpp's {@code /props} or {@code /slots}), read
 * once, in the background, when the first call of one of its auto-N pools starts: no request at
 * start-up, and never on the calling thread. Until the answer (and for good when it says nothing,
 * as Ollama's 404 does) the pools learn their N.
 */
final class ServerSlots {
    private final String server;
    private final URI base;
    private final Function<URI, LlamaCppSlots> reader;
    private final AtomicBoolean started = new AtomicBoolean();
    private final CompletableFuture<LlamaCppSlots> read = new CompletableFuture<>();

    ServerSlots(String server, URI base, Function<URI, LlamaCppSlots> reader) {
        this.server = server;
        this.base = base;
        this.reader = reader;
    }

    /**
     * The server's root as a llama.cpp server would have it: scheme (http unless set), host, port,
     * path prefix; null if that makes no URI (then nothing is read).
     */
    static URI baseOf(Endpoint e) {
        String host = e.host().indexOf(':') >= 0 ? "[" + e.host() + "]" : e.host();
        try {
            return URI.create(e.scheme().orElse("http") + "://" + host + ":" + e.port() + e.pathPrefix());
        } catch (IllegalArgumentException notAUri) {
            return null;
        }
    }

    /** Runs {@code pool} with the answer once it is in (at once if it is); unknown answers too. */
    void whenRead(Consumer<LlamaCppSlots> pool) {
        read.thenAccept(pool);
    }

    /** Starts the one read of this server, if not started yet; returns at once. */
    void startOnce() {
        if (started.get() || !started.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(this::readNow, "rtbe-slots-probe " + server);
        t.setDaemon(true);
        t.start();
    }

    private void readNow() {
        LlamaCppSlots slots;
        try {
            slots = base == null ? null : reader.apply(base);
        } catch (RuntimeException | LinkageError e) {
            slots = LlamaCppSlots.unknown(); // the pools keep learning
        }
        read.complete(slots == null ? LlamaCppSlots.unknown() : slots);
    }

    /** The answer so far: null while not read. */
    LlamaCppSlots answer() {
        return read.getNow(null);
    }

    @Override
    public String toString() {
        return server + " at " + base;
    }
}
