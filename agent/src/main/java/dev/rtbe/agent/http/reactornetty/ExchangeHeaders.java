package dev.rtbe.agent.http.reactornetty;

import java.lang.reflect.Method;

/**
 * The headers a Spring WebClient exchange will send. WebClient applies its headers (the
 * application's, the builder's defaults, and what its filters added) inside the Reactor Netty
 * exchange, after the request is built, so Reactor Netty's configuration never shows them. Its
 * exchange function builds the Reactor Netty request on the same thread, though: the advice on
 * it keeps the {@code ClientRequest} here for that moment, and the request view reads it.
 * Boot-loaded: Spring's types are reached by reflection through the public {@code ClientRequest}
 * interface of the application's own loader.
 */
public final class ExchangeHeaders {
    static final String CLIENT_REQUEST = "org.springframework.web.reactive.function.client.ClientRequest";

    private static final ThreadLocal<Object> CURRENT = new ThreadLocal<>();

    private ExchangeHeaders() {}

    /** On entry to the exchange function; returns what to restore on exit. */
    public static Object enter(Object clientRequest) {
        Object previous = CURRENT.get();
        CURRENT.set(clientRequest);
        return previous;
    }

    public static void exit(Object previous) {
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }

    /** The first value of a header of the WebClient request being built on this thread, or null. */
    public static String current(String name) {
        Object request = CURRENT.get();
        if (request == null) {
            return null;
        }
        try {
            Class<?> type = Class.forName(CLIENT_REQUEST, false, request.getClass().getClassLoader());
            Object headers = type.getMethod("headers").invoke(request);
            Method first = headers.getClass().getMethod("getFirst", String.class);
            Object value = first.invoke(headers, name);
            return value instanceof String ? (String) value : null;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null; // not a request we can read: its configured headers decide
        }
    }
}
