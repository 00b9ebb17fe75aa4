package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.drainRequestHead;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A server that resets every connection after the response head and one chunk of a stream. Every connection is
 * served so: when the reset comes before the client has read the head (the kernel drops what it had not read yet),
 * HttpURLConnection sends a buffered POST once more on a new connection, which must be reset too (left unanswered,
 * it would wait forever). Bound at once on a port of its own, so no other process can take the port first.
 */
public final class ResettingServer implements AutoCloseable {
    private final ServerSocket server;

    /** On a free port, bound at once so that no other process can take it first. */
    public ResettingServer() {
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread peer = new Thread(this::serve, "resetting-server");
        peer.setDaemon(true);
        peer.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void serve() {
        while (true) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException closed) {
                return;
            }
            try (s) {
                drainRequestHead(s.getInputStream());
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "10\r\n{\"response\":\"a\"}\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                s.setSoLinger(true, 0); // RST instead of FIN
            } catch (IOException e) {
                // the client went first: nothing to reset
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
