package dev.rtbe.agent.http.spring;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.rtbe.agent.http.AdapterClassLoader;
import dev.rtbe.agent.http.ClientInstrumentation;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Spring's connectors for the JDK {@code HttpClient} (the calls themselves are gated by the JDK
 * adapter): their responses would read the rest of a body the application gave up. The blocking
 * {@code JdkClientHttpResponse.close()} drains the stream before closing it, and the reactive
 * {@code JdkClientHttpResponse} caches its body ({@code Flux.cache(0)}), so a cancelled body
 * keeps being read to its end. Either way the server keeps generating for nobody; here the
 * exchange is aborted instead, as the application closing the JDK body itself would. Types are
 * matched by name; Spring 6.1 to 7 (6.0 neither drains nor caches).
 */
public final class SpringJdkInstrumentation implements ClientInstrumentation {
    static final String RESPONSE = "org.springframework.http.client.JdkClientHttpResponse";
    static final String REACTIVE_RESPONSE = "org.springframework.http.client.reactive.JdkClientHttpResponse";

    @Override
    public String name() {
        return "spring-jdk-connectors";
    }

    @Override
    public boolean isPresent() {
        return ModuleLayer.boot().findModule("java.net.http").isPresent();
    }

    /** Both responses: the JDK client's classes load first, so these are seldom the trigger. */
    @Override
    public List<String> classPrefixes() {
        return List.of(RESPONSE.replace('.', '/'), REACTIVE_RESPONSE.replace('.', '/'));
    }

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        return builder
                .type(named(RESPONSE)).transform((b, type, loader, module, domain) -> b
                        .visit(Advice.to(CloseAdvice.class, AdapterClassLoader.adviceLocator())
                                .on(named("close").and(takesArguments(0)))))
                .type(named(REACTIVE_RESPONSE)).transform((b, type, loader, module, domain) -> b
                        .visit(Advice.to(BodyAdvice.class, AdapterClassLoader.adviceLocator())
                                .on(named("adaptBody").and(isStatic())
                                        .and(takesArgument(0, named("java.net.http.HttpResponse"))))));
    }

    /** Inlined into the blocking {@code JdkClientHttpResponse.close()}: skipped when the call was aborted. */
    public static final class CloseAdvice {
        private CloseAdvice() {}

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        public static boolean enter(@Advice.FieldValue("response") Object response,
                                    @Advice.FieldValue("body") Object body) {
            return SpringJdkBridge.closeBeforeEnd(response, body);
        }
    }

    /** Inlined into the reactive response's {@code adaptBody(HttpResponse, DataBufferFactory)}. */
    public static final class BodyAdvice {
        private BodyAdvice() {}

        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Argument(0) Object response,
                                @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object body) {
            body = SpringJdkBridge.abortOnCancel(response, body);
        }
    }
}
