package dev.rtbe.agent.http.spring;

import static dev.rtbe.agent.http.Hook.OBJECT;

import dev.rtbe.agent.http.ClassHooks;
import dev.rtbe.agent.http.ClientInstrumentation;
import dev.rtbe.agent.http.Hook;
import java.lang.reflect.Modifier;
import java.util.List;

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
    static final String BRIDGE = "dev.rtbe.agent.http.spring.SpringJdkBridge";

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

    /**
     * The blocking {@code JdkClientHttpResponse.close()} is skipped when the call was aborted; the
     * reactive response's {@code adaptBody(HttpResponse, DataBufferFactory)} returns a body that
     * aborts the exchange when cancelled.
     */
    @Override
    public List<ClassHooks> hooks() {
        return List.of(
                ClassHooks.named(RESPONSE, Hook.method("close", 0)
                        .enter(BRIDGE, "closeBeforeEnd", "(" + OBJECT + OBJECT + ")Z", Hook.OnEnter.SKIP_IF_TRUE,
                                Hook.field("response"), Hook.field("body"))),
                ClassHooks.named(REACTIVE_RESPONSE, Hook.method("adaptBody", 2).access(Modifier.STATIC)
                        .argument(0, "java.net.http.HttpResponse")
                        .exit(BRIDGE, "abortOnCancel", "(" + OBJECT + OBJECT + ")" + OBJECT, false,
                                Hook.argument(0), Hook.RETURNED)));
    }
}
