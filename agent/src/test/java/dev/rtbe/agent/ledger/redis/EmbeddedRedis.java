package dev.rtbe.agent.ledger.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import redis.clients.jedis.Jedis;
import redis.embedded.RedisServer;

/** A real redis-server (the binary bundled by embedded-redis) on a free loopback port; restartable. */
public final class EmbeddedRedis implements AutoCloseable {
    private final int port;
    private RedisServer server;

    public EmbeddedRedis() {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts it (again, empty: nothing is saved). */
    public void start() {
        try {
            server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                    .setting("appendonly no").build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void stop() {
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A plain connection for tests to look at or disturb the server. */
    public Jedis client() {
        return new Jedis("127.0.0.1", port);
    }

    @Override
    public void close() {
        stop();
    }
}
