package dev.rtbe.agent.it.apps.contract;

import dev.rtbe.agent.it.apps.contract.ClientDriver.Read;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Reading a response body stream as an application would, for the drivers whose client hands one out. */
final class Bodies {
    private Bodies() {}

    /**
     * Reads {@code in} as {@code read} asks; {@code response} is what the application closes when it
     * is done (the response, or the stream itself), in a try-with-resources as usual.
     */
    static String read(InputStream in, Read read, Closeable response) throws IOException {
        try (response) {
            if (read == Read.ALL) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String first = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            if (read == Read.THROW_WHILE_READING) {
                throw new ClientDriver.ApplicationBug();
            }
            return first;
        }
    }

    /** The exception a failed future or reactive call stands for, as a blocking call would throw it. */
    static Exception unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.ExecutionException || t instanceof java.util.concurrent.CompletionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        return (Exception) t;
    }
}
