package dev.rtbe.sample.demo;

import java.io.IOException;
import java.net.ServerSocket;
import redis.embedded.RedisServer;

/**
 * The Redis a coordinated fleet run shares: the one given with {@code --redis URL}, or a real
 * {@code redis-server} started here (the binary bundled by embedded-redis) on a free loopback port, with
 * nothing saved to disk, and stopped when the run ends.
 */
final class FleetRedis implements AutoCloseable {
    private final String url;
    private final RedisServer server;

    private FleetRedis(String url, RedisServer server) {
        this.url = url;
        this.server = server;
    }

    /** {@code given} (a redis:// URL) or, when null, a fresh embedded server. */
    static FleetRedis start(String given) throws IOException {
        if (given != null) {
            return new FleetRedis(given, null);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                .setting("appendonly no").build();
        server.start();
        return new FleetRedis("redis://127.0.0.1:" + port, server);
    }

    String url() {
        return url;
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            server.stop();
        }
    }
}
