package dev.rtbe.agent.config;

import java.util.Locale;

/**
 * Reads {@code OLLAMA_HOST} the way Ollama's own clients do (envconfig.Host): {@code host},
 * {@code host:port}, {@code scheme://host[:port][/path]}; no port means 11434, or 80/443 when a
 * scheme is written. A bind-everything address (0.0.0.0, ::, empty) is what the server listens on;
 * a client on this machine reaches it as localhost, so both loopback spellings are gated.
 * The result is written in {@code rtbe.endpoints} syntax.
 */
final class OllamaHost {
    static final String ALLOWED = "host, host:port or http(s)://host[:port][/path] as Ollama reads OLLAMA_HOST";

    private OllamaHost() {}

    static String toEndpoints(String raw) throws BadValueException {
        String rest = raw.trim();
        String scheme = "";
        String defaultPort = String.valueOf(Endpoint.DEFAULT_PORT);
        int sep = rest.indexOf("://");
        if (sep >= 0) {
            String s = rest.substring(0, sep).toLowerCase(Locale.ROOT);
            if (!s.equals("http") && !s.equals("https")) {
                throw new BadValueException("scheme \"" + s + "\" is not http or https", ALLOWED);
            }
            scheme = s + "://";
            defaultPort = s.equals("https") ? "443" : "80";
            rest = rest.substring(sep + 3);
        }
        int slash = rest.indexOf('/');
        String hostPort = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);

        String host;
        String port = defaultPort;
        int lastColon = hostPort.lastIndexOf(':');
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            host = close < 0 ? hostPort.substring(1) : hostPort.substring(1, close);
            if (close >= 0 && hostPort.startsWith(":", close + 1)) {
                port = hostPort.substring(close + 2);
            }
        } else if (lastColon >= 0 && hostPort.indexOf(':') == lastColon) {
            host = hostPort.substring(0, lastColon);
            port = hostPort.substring(lastColon + 1);
        } else {
            host = hostPort; // a bare IPv6 address, a name, or nothing
        }
        String wrapped = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
            return scheme + "localhost:" + port + path + "," + scheme + "127.0.0.1:" + port + path;
        }
        return scheme + wrapped + ":" + port + path;
    }
}
