package dev.rtbe.agent.http.jdk;

import static dev.rtbe.agent.http.Hook.OBJECT;

import dev.rtbe.agent.http.AdapterClassLoader;
import dev.rtbe.agent.http.ClassHooks;
import dev.rtbe.agent.http.ClientInstrumentation;
import dev.rtbe.agent.http.Hook;
import java.lang.reflect.Modifier;
import java.util.List;

/**
 * {@code java.net.http.HttpClient}: hooks on the implementation class's public {@code send} and
 * three-argument {@code sendAsync} (the two-argument one delegates to it; {@code send} uses a
 * private overload, and {@code HttpClientFacade} delegates to the implementation, so each call
 * passes exactly one hook). A third hook, on the private four-argument {@code sendAsync} that
 * {@code send} runs, hands a blocking send's exchange to the agent, so a preemptible blocking call
 * goes out inline as a plain {@code send} does and can still be aborted.
 */
public final class JdkHttpClientInstrumentation implements ClientInstrumentation {
    static final String IMPL = "jdk.internal.net.http.HttpClientImpl";
    static final String HOOKS = "dev.rtbe.agent.http.jdk.impl.JdkHttpClientHooks";
    static final String BRIDGE = "dev.rtbe.agent.http.jdk.JdkClientBridge";
    static final String REQUEST = "java.net.http.HttpRequest";

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
     * methods are matched by name, so no {@code java.net.http} type is touched from the boot loader.
     */
    @Override
    public List<ClassHooks> hooks() throws ReflectiveOperationException {
        JdkClientBridge.install(AdapterClassLoader.instantiate(HOOKS, ClassLoader.getPlatformClassLoader(),
                JdkClientBridge.Hooks.class));
        return List.of(ClassHooks.named(IMPL,
                // sendAsync(request, handler, pushPromiseHandler, exchangeExecutor), which send calls
                Hook.method("sendAsync", 4).access(Modifier.PRIVATE).argument(0, REQUEST)
                        .exit(BRIDGE, "exchangeStarted", "(" + OBJECT + ")V", false, Hook.RETURNED)
                        .whenWoven(new ExchangesVisible()),
                Hook.method("send", 2).access(Modifier.PUBLIC).argument(0, REQUEST)
                        .enter(BRIDGE, "send", "(" + OBJECT + OBJECT + OBJECT + ")" + OBJECT,
                                Hook.OnEnter.SKIP_IF_NON_NULL, Hook.THIS, Hook.argument(0), Hook.argument(1)),
                Hook.method("sendAsync", 3).access(Modifier.PUBLIC).argument(0, REQUEST)
                        .enter(BRIDGE, "sendAsync", "(" + OBJECT + OBJECT + OBJECT + OBJECT + ")" + OBJECT,
                                Hook.OnEnter.SKIP_IF_NON_NULL, Hook.THIS, Hook.argument(0), Hook.argument(1),
                                Hook.argument(2))));
    }

    /** Blocking sends' exchanges are visible once the private {@code sendAsync} is woven. */
    private static final class ExchangesVisible implements Runnable {
        @Override
        public void run() {
            JdkClientBridge.exchangesVisible();
        }
    }
}
