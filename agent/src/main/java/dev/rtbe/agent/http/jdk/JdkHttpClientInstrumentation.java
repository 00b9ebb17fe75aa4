package dev.rtbe.agent.http.jdk;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.rtbe.agent.http.ClientInstrumentation;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * {@code java.net.http.HttpClient}: advice on the implementation class's public {@code send} and
 * three-argument {@code sendAsync} (the two-argument one delegates to it; {@code send} uses a
 * private overload, and {@code HttpClientFacade} delegates to the implementation, so each call
 * passes exactly one advice).
 */
public final class JdkHttpClientInstrumentation implements ClientInstrumentation {
    static final String IMPL = "jdk.internal.net.http.HttpClientImpl";

    @Override
    public String name() {
        return "jdk-httpclient";
    }

    @Override
    public boolean isPresent() {
        return ModuleLayer.boot().findModule("java.net.http").isPresent();
    }

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        return builder.type(named(IMPL)).transform((b, type, loader, module, domain) -> b
                .visit(Advice.to(SendAdvice.class).on(named("send").and(isPublic()).and(takesArguments(2))
                        .and(takesArgument(0, HttpRequest.class))))
                .visit(Advice.to(SendAsyncAdvice.class).on(named("sendAsync").and(isPublic())
                        .and(takesArguments(3)).and(takesArgument(0, HttpRequest.class)))));
    }

    /** Inlined into {@code HttpClientImpl.send}. */
    public static final class SendAdvice {
        private SendAdvice() {}

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        public static Object enter(@Advice.This HttpClient client, @Advice.Argument(0) HttpRequest request,
                                   @Advice.Argument(1) HttpResponse.BodyHandler<?> handler) {
            return JdkHttpClientHooks.send(client, request, handler);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Enter Object outcome,
                                @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object response,
                                @Advice.Thrown(readOnly = false) Throwable thrown) {
            if (outcome instanceof SendOutcome) {
                response = ((SendOutcome) outcome).response;
                thrown = ((SendOutcome) outcome).error;
            }
        }
    }

    /** Inlined into {@code HttpClientImpl.sendAsync(request, handler, pushPromiseHandler)}. */
    public static final class SendAsyncAdvice {
        private SendAsyncAdvice() {}

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        public static Object enter(@Advice.This HttpClient client, @Advice.Argument(0) HttpRequest request,
                                   @Advice.Argument(1) HttpResponse.BodyHandler<?> handler,
                                   @Advice.Argument(2) HttpResponse.PushPromiseHandler<?> pushHandler) {
            return JdkHttpClientHooks.sendAsync(client, request, handler, pushHandler);
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Enter Object gated,
                                @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object future) {
            if (gated != null) {
                future = gated;
            }
        }
    }
}
