package dev.rtbe.agent.http.urlconnection;

import static dev.rtbe.agent.http.Hook.OBJECT;
import static dev.rtbe.agent.http.Hook.THROWABLE;

import dev.rtbe.agent.http.ClassHooks;
import dev.rtbe.agent.http.ClientInstrumentation;
import dev.rtbe.agent.http.Hook;
import java.lang.reflect.Modifier;
import java.util.List;

/**
 * {@code java.net.HttpURLConnection} as the JDK implements it: hooks on
 * {@code sun.net.www.protocol.http.HttpURLConnection}'s {@code getInputStream()},
 * {@code getOutputStream()} and {@code disconnect()}. Every way of sending a request passes one of
 * the first two ({@code getResponseCode()}, {@code getHeaderField()}... call {@code getInputStream()}),
 * and HTTPS connections delegate to a subclass that inherits all three, so the public
 * {@code HttpsURLConnectionImpl} wrapper itself is not instrumented (it would count calls twice).
 * Everything here is in {@code java.base}, so the hooks are boot-loaded and need no adapter loader.
 */
public final class UrlConnectionInstrumentation implements ClientInstrumentation {
    static final String BRIDGE = "dev.rtbe.agent.http.urlconnection.UrlConnectionBridge";

    @Override
    public String name() {
        return "http-urlconnection";
    }

    @Override
    public List<String> classPrefixes() {
        return List.of("sun/net/www/protocol/http/");
    }

    @Override
    public boolean isPresent() {
        return true; // java.base
    }

    /**
     * {@code getInputStream()} waits before the request is sent and wraps the body;
     * {@code getOutputStream()}, where in streaming mode the request head would leave, gives the
     * application a stream that holds the body until it asks for the response (both first hand the
     * bridge a lookup made inside the JDK class, the one time it asks for it); {@code disconnect()}
     * gives the slot back after the socket is closed, so the next call never overlaps this one on
     * the server.
     */
    @Override
    public List<ClassHooks> hooks() {
        return List.of(ClassHooks.named(SunHttpAccess.CONNECTION,
                Hook.method("getInputStream", 0).access(Modifier.PUBLIC).lookupFor(BRIDGE)
                        .enter(BRIDGE, "enterInput", "(" + OBJECT + ")" + OBJECT, Hook.OnEnter.SKIP_IF_NON_NULL,
                                Hook.THIS)
                        .exit(BRIDGE, "afterInput", "(" + OBJECT + OBJECT + OBJECT + THROWABLE + "I)" + OBJECT, true,
                                Hook.THIS, Hook.ENTERED, Hook.RETURNED, Hook.THROWN,
                                Hook.inheritedField("responseCode", "I")),
                Hook.method("getOutputStream", 0).access(Modifier.PUBLIC).lookupFor(BRIDGE)
                        .enter(BRIDGE, "enterOutput", "(" + OBJECT + ")" + OBJECT, Hook.OnEnter.SKIP_IF_NON_NULL,
                                Hook.THIS)
                        .exit(BRIDGE, "afterOutput", "(" + OBJECT + OBJECT + OBJECT + THROWABLE + ")" + OBJECT, true,
                                Hook.THIS, Hook.ENTERED, Hook.RETURNED, Hook.THROWN),
                Hook.method("disconnect", 0).access(Modifier.PUBLIC)
                        .exit(BRIDGE, "disconnect", "(" + OBJECT + ")V", true, Hook.THIS)));
    }
}
