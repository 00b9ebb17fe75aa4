package dev.rtbe.agent.http.urlconnection;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.rtbe.agent.http.AdapterClassLoader;
import dev.rtbe.agent.http.ClientInstrumentation;
import java.lang.invoke.MethodHandles;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * {@code java.net.HttpURLConnection} as the JDK implements it: advice on
 * {@code sun.net.www.protocol.http.HttpURLConnection}'s {@code getInputStream()},
 * {@code getOutputStream()} and {@code disconnect()}. Every way of sending a request passes one of
 * the first two ({@code getResponseCode()}, {@code getHeaderField()}... call {@code getInputStream()}),
 * and HTTPS connections delegate to a subclass that inherits all three, so the public
 * {@code HttpsURLConnectionImpl} wrapper itself is not instrumented (it would count calls twice).
 * Everything here is in {@code java.base}, so the hooks are boot-loaded and need no adapter loader.
 */
public final class UrlConnectionInstrumentation implements ClientInstrumentation {
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

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        return builder.type(named(SunHttpAccess.CONNECTION)).transform((b, type, loader, module, domain) -> b
                .visit(Advice.to(InputAdvice.class, AdapterClassLoader.adviceLocator())
                        .on(named("getInputStream").and(isPublic()).and(takesArguments(0))))
                .visit(Advice.to(OutputAdvice.class, AdapterClassLoader.adviceLocator())
                        .on(named("getOutputStream").and(isPublic()).and(takesArguments(0))))
                .visit(Advice.to(DisconnectAdvice.class, AdapterClassLoader.adviceLocator())
                        .on(named("disconnect").and(isPublic()).and(takesArguments(0)))));
    }

    /** Inlined into {@code getInputStream()}: waits before the request is sent, wraps the body. */
    public static final class InputAdvice {
        private InputAdvice() {}

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        public static Object enter(@Advice.This Object connection) {
            // The lookup is made here, inside the JDK class, the one time the bridge asks for it.
            return UrlConnectionBridge.enter(connection, false,
                    UrlConnectionBridge.needsLookup() ? MethodHandles.lookup() : null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object connection, @Advice.Enter Object rejected,
                                @Advice.FieldValue("responseCode") int status,
                                @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object body,
                                @Advice.Thrown(readOnly = false) Throwable thrown) {
            Object result = UrlConnectionBridge.exitInput(connection, body, thrown, status);
            if (UrlConnectionBridge.isFailure(rejected)) {
                thrown = (Throwable) rejected;
            } else {
                body = result;
            }
        }
    }

    /**
     * Inlined into {@code getOutputStream()}: in streaming mode the request head would leave here;
     * instead the application gets a stream that holds the body until it asks for the response.
     */
    public static final class OutputAdvice {
        private OutputAdvice() {}

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        public static Object enter(@Advice.This Object connection) {
            return UrlConnectionBridge.enter(connection, true,
                    UrlConnectionBridge.needsLookup() ? MethodHandles.lookup() : null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object connection, @Advice.Enter Object entered,
                                @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object stream,
                                @Advice.Thrown(readOnly = false) Throwable thrown) {
            UrlConnectionBridge.exitOutput(connection, thrown);
            if (UrlConnectionBridge.isFailure(entered)) {
                thrown = (Throwable) entered;
            } else if (entered != null) {
                stream = entered; // streaming mode: the body is held until the call is decided
            }
        }
    }

    /**
     * Inlined into {@code disconnect()}: the call is over, its slot comes back - after the socket
     * is closed, so the next call never overlaps this one on the server.
     */
    public static final class DisconnectAdvice {
        private DisconnectAdvice() {}

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object connection) {
            UrlConnectionBridge.disconnect(connection);
        }
    }
}
