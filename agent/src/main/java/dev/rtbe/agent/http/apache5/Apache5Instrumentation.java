package dev.rtbe.agent.http.apache5;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.rtbe.agent.http.AdapterClassLoader;
import dev.rtbe.agent.http.AdviceOutcome;
import dev.rtbe.agent.http.ClientInstrumentation;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Apache HttpClient 5, classic and async. Every public {@code execute} overload (and
 * {@code executeOpen}) of {@code CloseableHttpClient} and {@code CloseableHttpAsyncClient} funnels,
 * on the calling thread and before anything is sent, into the protected {@code doExecute} of the
 * concrete client; the clients' retries and redirects run inside it, in the exec chain. So the
 * advice goes there, matched by name (the boot loader cannot see the library): one gate per
 * logical call, with the {@code ReentryGuard} letting nested {@code doExecute}s through.
 */
public final class Apache5Instrumentation implements ClientInstrumentation {
    static final String CLASSIC = "org.apache.hc.client5.http.impl.classic.CloseableHttpClient";
    static final String ASYNC = "org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient";
    static final String HTTP_HOST = "org.apache.hc.core5.http.HttpHost";

    @Override
    public String name() {
        return "apache-httpclient5";
    }

    @Override
    public List<String> classPrefixes() {
        return List.of("org/apache/hc/client5/");
    }

    /** The library may be loaded later, by any loader: the type matchers find it if it comes. */
    @Override
    public boolean isPresent() {
        return true;
    }

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        return builder
                .type(nameStartsWith("org.apache.hc.client5.").and(not(isInterface())).and(hasSuperType(named(CLASSIC))))
                .transform((b, type, loader, module, domain) -> b.visit(Advice.to(ClassicAdvice.class,
                        AdapterClassLoader.adviceLocator()).on(named("doExecute").and(not(isAbstract()))
                        .and(takesArguments(3)).and(takesArgument(0, named(HTTP_HOST)))
                        .and(takesArgument(1, named("org.apache.hc.core5.http.ClassicHttpRequest"))))))
                .type(nameStartsWith("org.apache.hc.client5.").and(not(isInterface())).and(hasSuperType(named(ASYNC))))
                .transform((b, type, loader, module, domain) -> b.visit(Advice.to(AsyncAdvice.class,
                        AdapterClassLoader.adviceLocator()).on(named("doExecute").and(not(isAbstract()))
                        .and(takesArguments(6)).and(takesArgument(0, named(HTTP_HOST)))
                        .and(takesArgument(1, named("org.apache.hc.core5.http.nio.AsyncRequestProducer"))))));
    }

    /**
     * Inlined into a classic {@code doExecute(HttpHost, ClassicHttpRequest, HttpContext)}: the slot
     * is acquired (blocking, as the classic API is) on entry; the exit hands back the response
     * with a body that releases the slot at its end or close. A preemptible call is sent by the
     * agent on entry (attempt after attempt) and the original is skipped.
     */
    public static final class ClassicAdvice {
        private ClassicAdvice() {}

        @Advice.OnMethodEnter(skipOn = AdviceOutcome.class, suppress = Throwable.class)
        public static Object enter(@Advice.This Object client, @Advice.Argument(0) Object target,
                                   @Advice.Argument(1) Object request, @Advice.Argument(2) Object context) {
            return Apache5Bridge.beforeClassic(client, target, request, context);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Enter Object gate,
                                @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object response,
                                @Advice.Thrown(readOnly = false) Throwable thrown) {
            if (gate instanceof AdviceOutcome) {
                // Refused while waiting, or sent by the agent (a preemptible call): the original never ran.
                response = ((AdviceOutcome) gate).value;
                thrown = ((AdviceOutcome) gate).error;
            } else if (gate != null) {
                response = Apache5Bridge.afterClassic(gate, response, thrown);
            }
        }
    }

    /**
     * Inlined into an async {@code doExecute(HttpHost, AsyncRequestProducer, AsyncResponseConsumer,
     * HandlerFactory, HttpContext, FutureCallback)}: a gated call returns the adapter's future at
     * once and runs the real {@code doExecute} when its slot is granted.
     */
    public static final class AsyncAdvice {
        private AsyncAdvice() {}

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        public static Object enter(@Advice.This Object client, @Advice.Argument(0) Object target,
                                   @Advice.Argument(1) Object producer, @Advice.Argument(2) Object consumer,
                                   @Advice.Argument(3) Object pushHandlerFactory, @Advice.Argument(4) Object context,
                                   @Advice.Argument(5) Object callback) {
            return Apache5Bridge.executeAsync(client, target, producer, consumer, pushHandlerFactory, context,
                    callback);
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
