package dev.rtbe.agent.http.reactornetty;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.rtbe.agent.http.AdapterClassLoader;
import dev.rtbe.agent.http.ClientInstrumentation;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Reactor Netty's {@code HttpClient}: advice on the terminal methods of {@code HttpClientFinalizer}
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

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        return builder.type(named(FINALIZER)).transform((b, type, loader, module, domain) -> b
                .visit(Advice.to(ReceiveAdvice.class, AdapterClassLoader.adviceLocator())
                        .on(isPublic().and(namedOneOf("response", "responseContent").and(takesArguments(0))
                                .or(namedOneOf("response", "responseConnection", "responseSingle")
                                        .and(takesArguments(1)))))))
                .type(named(EXCHANGE)).transform((b, type, loader, module, domain) -> b
                        .visit(Advice.to(ExchangeAdvice.class, AdapterClassLoader.adviceLocator())
                                .on(named("exchange").and(takesArguments(1))
                                        .and(takesArgument(0, named(ExchangeHeaders.CLIENT_REQUEST))))));
    }

    /**
     * Inlined into WebClient's {@code exchange(ClientRequest)}: while it builds the Reactor Netty
     * request, the headers WebClient will apply inside the exchange are known to the gate.
     */
    public static final class ExchangeAdvice {
        private ExchangeAdvice() {}

        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static Object enter(@Advice.Argument(0) Object clientRequest) {
            return ExchangeHeaders.enter(clientRequest);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Enter Object previous) {
            ExchangeHeaders.exit(previous);
        }
    }

    /** Inlined into each terminal method: returns the gated publisher instead of running the body. */
    public static final class ReceiveAdvice {
        private ReceiveAdvice() {}

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        public static Object enter(@Advice.This Object receiver, @Advice.Origin("#m") String method,
                                   @Advice.AllArguments Object[] args) {
            return ReactorNettyBridge.receive(receiver, method, args.length == 0 ? null : args[0]);
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Enter Object gated,
                                @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object publisher) {
            if (gated != null) {
                publisher = gated;
            }
        }
    }
}
