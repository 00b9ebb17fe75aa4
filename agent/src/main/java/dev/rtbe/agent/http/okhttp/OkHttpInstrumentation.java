package dev.rtbe.agent.http.okhttp;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.http.AdapterClassLoader;
import dev.rtbe.agent.http.AdviceOutcome;
import dev.rtbe.agent.http.ClientInstrumentation;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * OkHttp 3.x ({@code okhttp3.RealCall}, Java) and 4.x/5.x ({@code okhttp3.internal.connection.RealCall},
 * Kotlin). The call is gated where the application starts it, {@code execute()} or
 * {@code enqueue(Callback)}, on the application's thread and once per logical call (OkHttp's
 * retries and redirects happen inside). The classification header is stripped as the call enters
 * its interceptor chain ({@code RealInterceptorChain.proceed} at index 0), so it works for clients
 * built before the agent started and leaves {@code call.request()} as the application built it.
 * Everything is matched by name: no OkHttp type is referenced from boot-loaded code.
 */
public final class OkHttpInstrumentation implements ClientInstrumentation {
    static final String CALL_3 = "okhttp3.RealCall";
    static final String CALL_4 = "okhttp3.internal.connection.RealCall";
    static final String CHAIN = "okhttp3.internal.http.RealInterceptorChain";

    @Override
    public String name() {
        return "okhttp";
    }

    @Override
    public List<String> classPrefixes() {
        return List.of("okhttp3/");
    }

    /** OkHttp may sit in any application class loader, so it is looked for as classes load. */
    @Override
    public boolean isPresent() {
        return true;
    }

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        return builder
                .type(named(CALL_3).or(named(CALL_4))).transform((b, type, loader, module, domain) -> b
                        .visit(advice(ExecuteAdvice.class).on(named("execute").and(takesArguments(0))))
                        .visit(advice(EnqueueAdvice.class).on(named("enqueue").and(takesArguments(1))))
                        .visit(advice(CancelAdvice.class).on(named("cancel").and(takesArguments(0)))))
                .type(named(CHAIN)).transform((b, type, loader, module, domain) -> b
                        .visit(advice(ProceedAdvice.class).on(named("proceed").and(takesArguments(1))
                                .and(takesArgument(0, named("okhttp3.Request"))))))
                // The method that runs an asynchronous call on OkHttp's dispatcher thread.
                .type(named(CALL_3 + "$AsyncCall")).transform((b, type, loader, module, domain) -> b
                        .visit(advice(AsyncRunAdvice.class).on(named("execute").and(takesArguments(0)))))
                .type(named(CALL_4 + "$AsyncCall")).transform((b, type, loader, module, domain) -> b
                        .visit(advice(AsyncRunAdvice.class).on(named("run").and(takesArguments(0)))));
    }

    private static Advice advice(Class<?> type) {
        return Advice.to(type, AdapterClassLoader.adviceLocator());
    }

    /** Inlined into {@code RealCall.execute()}. */
    public static final class ExecuteAdvice {
        private ExecuteAdvice() {}

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        public static Object enter(@Advice.This Object call) {
            return OkHttpBridge.execute(call);
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

    /** Inlined into {@code RealCall.enqueue(Callback)}: true skips the original. */
    public static final class EnqueueAdvice {
        private EnqueueAdvice() {}

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        public static boolean enter(@Advice.This Object call, @Advice.Argument(0) Object callback) {
            return OkHttpBridge.enqueue(call, callback);
        }
    }

    /** Inlined into {@code RealCall.cancel()}: after OkHttp marked the call cancelled. */
    public static final class CancelAdvice {
        private CancelAdvice() {}

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object call) {
            OkHttpBridge.cancelled(call);
        }
    }

    /** Inlined into {@code RealInterceptorChain.proceed(Request)}: the request as sent, at the chain's entry only. */
    public static final class ProceedAdvice {
        private ProceedAdvice() {}

        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("index") int index, @Advice.FieldValue("call") Object call,
                                 @Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC)
                                 Object request) {
            if (index == 0) {
                Object sent = OkHttpBridge.asSent(call, request);
                if (sent != null) {
                    request = sent;
                }
            }
        }
    }

    /**
     * Inlined into the method that runs an asynchronous call: a gated call's interceptors,
     * authenticators and retries run inside the gate, so calls they make are not gated again.
     */
    public static final class AsyncRunAdvice {
        private AsyncRunAdvice() {}

        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static boolean enter(@Advice.FieldValue("responseCallback") Object callback) {
            if (callback instanceof OkHttpBridge.GatedCallback) {
                ReentryGuard.enter();
                return true;
            }
            return false;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Enter boolean guarded) {
            if (guarded) {
                ReentryGuard.exit();
            }
        }
    }
}
