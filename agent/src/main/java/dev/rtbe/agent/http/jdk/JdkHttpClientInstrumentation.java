package dev.rtbe.agent.http.jdk;

import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.rtbe.agent.http.AdapterClassLoader;
import dev.rtbe.agent.http.AdviceOutcome;
import dev.rtbe.agent.http.ClientInstrumentation;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * {@code java.net.http.HttpClient}: advice on the implementation class's public {@code send} and
 * three-argument {@code sendAsync} (the two-argument one delegates to it; {@code send} uses a
 * private overload, and {@code HttpClientFacade} delegates to the implementation, so each call
 * passes exactly one advice). A third advice, on the private four-argument {@code sendAsync} that
 * {@code send} runs, hands a blocking send's exchange to the agent, so a preemptible blocking call
 * goes out inline as a plain {@code send} does and can still be aborted.
 */
public final class JdkHttpClientInstrumentation implements ClientInstrumentation {
    static final String IMPL = "jdk.internal.net.http.HttpClientImpl";
    static final String HOOKS = "dev.rtbe.agent.http.jdk.impl.JdkHttpClientHooks";

    @Override
    public String name() {
        return "jdk-httpclient";
    }

    @Override
    public List<String> classPrefixes() {
        return List.of("jdk/internal/net/http/");
    }

    @Override
    public boolean isPresent() {
        return ModuleLayer.boot().findModule("java.net.http").isPresent();
    }

    /**
     * Loads the hooks beside {@code java.net.http} (the platform loader) and installs them; the
     * advice matches by name, so no {@code java.net.http} type is touched from the boot loader.
     */
    @Override
    public AgentBuilder install(AgentBuilder builder) throws ReflectiveOperationException {
        JdkClientBridge.install(AdapterClassLoader.instantiate(HOOKS, ClassLoader.getPlatformClassLoader(),
                JdkClientBridge.Hooks.class));
        ElementMatcher<MethodDescription> privateSendAsync = privateSendAsync();
        return builder.type(named(IMPL)).transform((b, type, loader, module, domain) -> {
            if (!type.getDeclaredMethods().filter(privateSendAsync).isEmpty()) {
                JdkClientBridge.exchangesVisible();
            }
            return b.visit(Advice.to(ExchangeAdvice.class, AdapterClassLoader.adviceLocator()).on(privateSendAsync))
                .visit(Advice.to(SendAdvice.class, AdapterClassLoader.adviceLocator()).on(named("send").and(isPublic()).and(takesArguments(2))
                        .and(takesArgument(0, named("java.net.http.HttpRequest")))))
                .visit(Advice.to(SendAsyncAdvice.class, AdapterClassLoader.adviceLocator()).on(named("sendAsync").and(isPublic())
                        .and(takesArguments(3)).and(takesArgument(0, named("java.net.http.HttpRequest")))));
        });
    }

    /**
     * {@code sendAsync(request, handler, pushPromiseHandler, exchangeExecutor)}, which {@code send} calls.
     * Built at install, not in a static field: premain loads this class, and no Byte Buddy class may load then.
     */
    private static ElementMatcher<MethodDescription> privateSendAsync() {
        return named("sendAsync").and(isPrivate()).and(takesArguments(4))
                .and(takesArgument(0, named("java.net.http.HttpRequest")));
    }

    /** Inlined into the private {@code HttpClientImpl.sendAsync} that {@code send} runs. */
    public static final class ExchangeAdvice {
        private ExchangeAdvice() {}

        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Return(typing = Assigner.Typing.DYNAMIC) Object future) {
            JdkClientBridge.exchangeStarted(future);
        }
    }

    /** Inlined into {@code HttpClientImpl.send}. */
    public static final class SendAdvice {
        private SendAdvice() {}

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        public static Object enter(@Advice.This Object client, @Advice.Argument(0) Object request,
                                   @Advice.Argument(1) Object handler) {
            return JdkClientBridge.send(client, request, handler);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Enter Object outcome,
                                @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object response,
                                @Advice.Thrown(readOnly = false) Throwable thrown) {
            if (outcome instanceof AdviceOutcome) {
                response = ((AdviceOutcome) outcome).value;
                thrown = ((AdviceOutcome) outcome).error;
            }
        }
    }

    /** Inlined into {@code HttpClientImpl.sendAsync(request, handler, pushPromiseHandler)}. */
    public static final class SendAsyncAdvice {
        private SendAsyncAdvice() {}

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        public static Object enter(@Advice.This Object client, @Advice.Argument(0) Object request,
                                   @Advice.Argument(1) Object handler, @Advice.Argument(2) Object pushHandler) {
            return JdkClientBridge.sendAsync(client, request, handler, pushHandler);
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
