package dev.rtbe.simulator;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal HTTP/1.1 server on a ServerSocket, one thread per connection. Hand-written instead of
 * com.sun.net.httpserver for two things the latter cannot do: notice a client disconnect while nothing is being
 * written (a queued or non-streaming request), and control exactly when headers and each chunk are flushed.
 */
final class HttpFront implements Closeable {
    interface Handler {
        void handle(Exchange exchange) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final Handler handler;
    private final ExecutorService threads;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    HttpFront(String host, int port, Handler handler) throws IOException {
        this.handler = handler;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ollama-sim-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        // A large backlog: benchmarks open bursts of connections at once.
        server.bind(new InetSocketAddress(host, port), 1024);
        threads.execute(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                open.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                if (closed) return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            HttpResponseWriter out = new HttpResponseWriter(new BufferedOutputStream(socket.getOutputStream(), 16 * 1024));
            HttpRequestData request;
            try {
                request = HttpRequestReader.read(in, out::sendContinue);
            } catch (HttpRequestReader.BadRequest e) {
                out.sendText(400, "text/plain; charset=utf-8", "400 Bad Request: " + e.getMessage());
                return;
            }
            if (request == null) return;
            Exchange exchange = new Exchange(request, out, in, threads);
            try {
                handler.handle(exchange);
            } catch (RuntimeException e) {
                // A simulator bug should look like Ollama's 500, not a silently dropped connection.
                if (!out.committed()) out.sendFixed(500, Frames.JSON, OllamaFormats.error(String.valueOf(e)), false);
            } finally {
                exchange.markDone();
            }
        } catch (SocketException ignored) {
            // client vanished; the handler has recorded what it needs
        } catch (IOException ignored) {
            // same
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(socket);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }
}
