package dev.rtbe.agent.it.apps.contract;

/**
 * One way of calling an LLM server (a client library and its calling style) as the contract suite
 * drives it: send one chat call, read its answer the way the scenario asks, and hand the scenario a
 * way to give the call up. Blocking drivers block the calling thread; asynchronous ones send from it
 * (so the agent classifies there) and wait for their callbacks. Each driver is what an application
 * would write, nothing more: it knows nothing of the agent.
 */
public interface ClientDriver extends AutoCloseable {
    /** How the application reads the answer. */
    enum Read {
        /** To the end: returns the whole body. */
        ALL,
        /** The first line (or chunk) of a stream, then closes or cancels: returns that line. */
        FIRST_LINE_THEN_CLOSE,
        /** The application's own code throws while it reads the first line; the exception propagates. */
        THROW_WHILE_READING
    }

    /**
     * Where the driver puts the call's way of giving up (cancel, interrupt, dispose) as soon as it
     * has one; {@link #cancel} waits for it (a call may be queued before its driver set it).
     */
    final class Canceller {
        private final java.util.concurrent.CompletableFuture<Runnable> action = new java.util.concurrent.CompletableFuture<>();

        public void set(Runnable cancel) {
            action.complete(cancel);
        }

        public void cancel() throws Exception {
            action.get(20, java.util.concurrent.TimeUnit.SECONDS).run();
        }
    }

    /** Thrown by {@link Read#THROW_WHILE_READING}'s reader: the application's bug, not the client's. */
    final class ApplicationBug extends RuntimeException {
        public ApplicationBug() {
            super("application bug while reading");
        }
    }

    /**
     * One call: a chat request to {@code url} (the server's base URL) for {@code model} (the test's
     * id for this call), {@code tokens} output tokens, streamed or not, with the priority header if
     * not null and the client's own request timeout in ms if above 0.
     */
    record Call(String url, String model, boolean stream, int tokens, String priority, long timeoutMs) {
        public String chatUrl() {
            return url + "/api/chat";
        }

        public String json() {
            return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}],"
                    + "\"stream\":" + stream + ",\"options\":{\"num_predict\":" + tokens + "}}";
        }
    }

    /** The prompt every call sends. */
    String PROMPT = "Summarise the news";

    /**
     * Makes the call; returns the body read, or for a library that hands back its own result
     * rather than the body, {@link #finished} of the reply it assembled.
     */
    String exchange(Call call, Read read, Canceller canceller) throws Exception;

    /** A library's whole reply, marked as a raw body's last chunk is ({@code "done":true}). */
    static String finished(String reply) {
        return "\"done\":true " + reply;
    }

    /** What the driver runs on (library and version), for the test to check the class path it asked for. */
    String describe();

    @Override
    default void close() throws Exception {}
}
