package dev.rtbe.agent.http.reactornetty;

import static dev.rtbe.agent.http.Hook.OBJECT;

import dev.rtbe.agent.http.ClassHooks;
import dev.rtbe.agent.http.ClientInstrumentation;
import dev.rtbe.agent.http.Hook;
import java.lang.reflect.Modifier;
import java.util.List;

/**
 * Reactor Netty's {@code HttpClient}: hooks on the terminal methods of {@code HttpClientFinalizer}
 * (the {@code ResponseReceiver} every {@code client.get()/post()/request(..)} chain ends in):
 * {@code response()}, {@code response(fn)}, {@code responseConnection(fn)}, {@code responseContent()}
 * and {@code responseSingle(fn)}. They are where the application's frames are (so the call is
 * classified there), they return the cold publisher the adapter can wrap (so the slot is taken on
 * subscription and the connection is opened only once it is granted), and the redirects and
 * retries Reactor Netty makes all happen inside that one publisher (one slot per logical call).
 * Types and methods are matched by name; the library is never referenced from boot code.
 */
public final class ReactorNettyInstrumentation implements ClientInstrumentation {
    static final String FINALIZER = "reactor.netty.http.client.HttpClientFinalizer";
    /** Spring WebClient's exchange function: where its request becomes a Reactor Netty one. */
    static final String EXCHANGE = "org.springframework.web.reactive.function.client.ExchangeFunctions$DefaultExchangeFunction";
    static final String BRIDGE = "dev.rtbe.agent.http.reactornetty.ReactorNettyBridge";
    static final String HEADERS = "dev.rtbe.agent.http.reactornetty.ExchangeHeaders";

    @Override
    public String name() {
        return "reactor-netty";
    }

    @Override
    public List<String> classPrefixes() {
        return List.of("reactor/netty/http/client/", EXCHANGE.replace('.', '/'));
    }

    /**
     * Always: the library may live in any application loader (a Spring Boot jar's, a container's),
     * which is not known at start-up; matching by name costs nothing when it never loads.
     */
    @Override
    public boolean isPresent() {
        return true;
    }

    /**
     * Each terminal method returns the gated publisher instead of running its body. WebClient's
     * {@code exchange(ClientRequest)}: while it builds the Reactor Netty request, the headers
     * WebClient will apply inside the exchange are known to the gate.
     */
    @Override
    public List<ClassHooks> hooks() {
        return List.of(
                ClassHooks.named(FINALIZER, receive("response", 0), receive("responseContent", 0),
                        receive("response", 1), receive("responseConnection", 1), receive("responseSingle", 1)),
                ClassHooks.named(EXCHANGE, Hook.method("exchange", 1).argument(0, ExchangeHeaders.CLIENT_REQUEST)
                        .enter(HEADERS, "enter", "(" + OBJECT + ")" + OBJECT, Hook.OnEnter.PROCEED, Hook.argument(0))
                        .exit(HEADERS, "exit", "(" + OBJECT + ")V", true, Hook.ENTERED)));
    }

    private static Hook receive(String method, int arguments) {
        return Hook.method(method, arguments).access(Modifier.PUBLIC)
                .enter(BRIDGE, "receive", "(" + OBJECT + "Ljava/lang/String;" + OBJECT + ")" + OBJECT,
                        Hook.OnEnter.SKIP_IF_NON_NULL, Hook.THIS, Hook.METHOD_NAME, Hook.FIRST_ARGUMENT_OR_NULL);
    }
}
