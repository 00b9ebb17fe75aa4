package dev.rtbe.agent.call;

import dev.rtbe.agent.config.Endpoint;
import java.net.URI;
import java.util.List;

/** Is this request for one of the configured LLM endpoints? Cheap: a short list, no allocation. */
public final class EndpointMatcher {
    private final Endpoint[] endpoints;

    public EndpointMatcher(List<Endpoint> endpoints) {
        this.endpoints = endpoints.toArray(new Endpoint[0]);
    }

    public boolean matches(URI uri) {
        if (uri == null || uri.getHost() == null) {
            return false;
        }
        return matches(uri.getScheme(), uri.getHost(), uri.getPort(), uri.getRawPath());
    }

    /** {@code port} -1 means the scheme's default port. */
    public boolean matches(String scheme, String host, int port, String path) {
        return endpointOf(scheme, host, port, path) != null;
    }

    /** The first configured endpoint this request goes to (its server names the pools), or null. */
    public Endpoint endpointOf(URI uri) {
        if (uri == null || uri.getHost() == null) {
            return null;
        }
        return endpointOf(uri.getScheme(), uri.getHost(), uri.getPort(), uri.getRawPath());
    }

    /** As {@link #endpointOf(URI)}; {@code port} -1 means the scheme's default port. */
    public Endpoint endpointOf(String scheme, String host, int port, String path) {
        for (Endpoint e : endpoints) {
            if (e.matches(scheme, host, port, path == null || path.isEmpty() ? "/" : path)) {
                return e;
            }
        }
        return null;
    }
}
