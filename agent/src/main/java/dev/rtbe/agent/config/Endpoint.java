package dev.rtbe.agent.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One LLM server the agent gates: {@code [name@][http[s]://]host[:port][/path-prefix]}. Calls to
 * anything else pass through untouched, so matching must be exact about host, port and path boundary.
 * The optional name says which server the endpoint reaches: endpoints with the same name are one
 * server (one set of pools). Unnamed endpoints are named by host, port and path, with every loopback
 * spelling ({@code localhost}, {@code 127.x.x.x}, {@code [::1]}) read as {@code localhost}.
 */
public final class Endpoint {
    public static final int DEFAULT_PORT = 11434;

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern IPV6_TEXT = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");
    /** A server name: usable in setting keys and environment variable names alike. */
    public static final Pattern SERVER_NAME = Pattern.compile("[a-z][a-z0-9_]*");
    public static final String SERVER_NAME_ALLOWED = "a lower-case letter, then lower-case letters, digits or _";

    private final String scheme; // null: any scheme
    private final String host; // lower case; IPv6 without brackets, in canonical form
    private final int port;
    private final String pathPrefix; // "" or "/seg[/seg...]" without trailing slash
    private final String name; // null: unnamed
    private final String server; // the name, or host:port[/prefix] with loopback as localhost

    Endpoint(String scheme, String host, int port, String pathPrefix) {
        this(null, scheme, host, port, pathPrefix);
    }

    Endpoint(String name, String scheme, String host, int port, String pathPrefix) {
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.pathPrefix = pathPrefix;
        this.name = name;
        this.server = name != null ? name : (isLoopback(host) ? "localhost" : bracketed(host)) + ":" + port + pathPrefix;
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("0:0:0:0:0:0:0:1");
    }

    private static String bracketed(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    /** Parses one entry of {@code rtbe.endpoints}; the port defaults to 11434 even with a scheme. */
    public static Endpoint parse(String raw) throws BadValueException {
        String rest = raw.trim();
        if (rest.isEmpty()) {
            throw new BadValueException("empty endpoint");
        }
        String name = null;
        int at = rest.indexOf('@');
        int schemeSep = rest.indexOf("://");
        if (at > 0 && (schemeSep < 0 || at < schemeSep)) {
            name = rest.substring(0, at).trim();
            if (!SERVER_NAME.matcher(name).matches()) {
                throw new BadValueException("endpoint \"" + rest + "\": server name \"" + name + "\" is not "
                        + SERVER_NAME_ALLOWED);
            }
            rest = rest.substring(at + 1).trim();
            Endpoint unnamed = parse(rest);
            return new Endpoint(name, unnamed.scheme, unnamed.host, unnamed.port, unnamed.pathPrefix);
        }
        if (rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0 || rest.indexOf('@') >= 0) {
            throw new BadValueException("endpoint \"" + rest + "\" must not contain a query, fragment or user");
        }
        String scheme = null;
        int sep = rest.indexOf("://");
        if (sep >= 0) {
            scheme = rest.substring(0, sep).toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new BadValueException("endpoint \"" + raw.trim() + "\" has scheme \"" + scheme
                        + "\"; only http and https are supported");
            }
            rest = rest.substring(sep + 3);
        }
        int slash = rest.indexOf('/');
        String hostPort = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : normalizePath(rest.substring(slash));

        String host;
        String portText = null;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                throw new BadValueException("endpoint \"" + raw.trim() + "\" has an unclosed '['");
            }
            host = canonicalIpv6(hostPort.substring(1, close), raw);
            String after = hostPort.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new BadValueException("endpoint \"" + raw.trim() + "\" has text after ']'");
                }
                portText = after.substring(1);
            }
        } else {
            int colon = hostPort.indexOf(':');
            if (colon >= 0 && hostPort.indexOf(':', colon + 1) >= 0) {
                throw new BadValueException("endpoint \"" + raw.trim()
                        + "\": IPv6 addresses need brackets, e.g. [::1]:11434");
            }
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            portText = colon < 0 ? null : hostPort.substring(colon + 1);
            if (host.isEmpty()) {
                throw new BadValueException("endpoint \"" + raw.trim() + "\" has no host");
            }
            if (!HOST_NAME.matcher(host).matches()) {
                throw new BadValueException("endpoint \"" + raw.trim() + "\": \"" + host + "\" is not a host name");
            }
            host = host.toLowerCase(Locale.ROOT);
        }
        int port = portText == null ? DEFAULT_PORT : parsePort(portText, raw);
        return new Endpoint(scheme, host, port, path);
    }

    static int parsePort(String text, String raw) throws BadValueException {
        if (text.matches("\\d{1,5}")) {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        }
        throw new BadValueException("endpoint \"" + raw.trim() + "\": port \"" + text + "\" is not 1-65535");
    }

    private static String normalizePath(String path) {
        String p = path;
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    /**
     * IPv6 has many spellings ([::1], [0:0:0:0:0:0:0:1]); compare canonical forms. The bracketed
     * form makes the JDK parse a literal and never do a DNS lookup.
     */
    static String canonicalIpv6(String text, String raw) throws BadValueException {
        if (!IPV6_TEXT.matcher(text).matches() || text.indexOf(':') < 0) {
            throw new BadValueException("endpoint \"" + raw.trim() + "\": \"" + text + "\" is not an IPv6 address");
        }
        try {
            return InetAddress.getByName("[" + text + "]").getHostAddress().toLowerCase(Locale.ROOT);
        } catch (UnknownHostException e) {
            throw new BadValueException("endpoint \"" + raw.trim() + "\": \"" + text + "\" is not an IPv6 address");
        }
    }

    /**
     * Whether a request to this target goes to this endpoint.
     *
     * @param scheme "http" or "https"; checked only if this endpoint names a scheme
     * @param host host name or address, IPv6 with or without brackets; case does not matter
     * @param port the port, or a negative number for the scheme's default port
     * @param path the request path (no query); must be this endpoint's prefix or below it
     */
    public boolean matches(String scheme, String host, int port, String path) {
        if (this.scheme != null && !this.scheme.equalsIgnoreCase(scheme)) {
            return false;
        }
        int effectivePort = port >= 0 ? port : ("https".equalsIgnoreCase(scheme) ? 443 : 80);
        if (effectivePort != this.port || host == null || !this.host.equals(normalizeHost(host))) {
            return false;
        }
        if (pathPrefix.isEmpty()) {
            return true;
        }
        String p = path == null ? "" : path;
        // Segment boundary: "/ollama" covers "/ollama/api/chat" but not "/ollamax".
        return p.equals(pathPrefix) || p.startsWith(pathPrefix + "/");
    }

    private static String normalizeHost(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.indexOf(':') >= 0) {
            try {
                return canonicalIpv6(h, h);
            } catch (BadValueException e) {
                return h.toLowerCase(Locale.ROOT);
            }
        }
        return h.toLowerCase(Locale.ROOT);
    }

    public Optional<String> scheme() {
        return Optional.ofNullable(scheme);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The server this endpoint reaches: its name, or host:port[/prefix] with loopback as localhost. */
    public String server() {
        return server;
    }

    /** True when the endpoint was given a server name ({@code name@host}). */
    public boolean named() {
        return name != null;
    }

    /** "" when the whole server is meant, else "/prefix" without a trailing slash. */
    public String pathPrefix() {
        return pathPrefix;
    }

    @Override
    public String toString() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return (name == null ? "" : name + "@") + (scheme == null ? "" : scheme + "://") + h + ":" + port + pathPrefix;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Endpoint)) {
            return false;
        }
        Endpoint e = (Endpoint) o;
        return port == e.port && Objects.equals(scheme, e.scheme) && host.equals(e.host)
                && pathPrefix.equals(e.pathPrefix) && Objects.equals(name, e.name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(scheme, host, port, pathPrefix, name);
    }
}
