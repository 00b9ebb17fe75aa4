package dev.rtbe.agent.http.apache5;

import static dev.rtbe.agent.http.Hook.OBJECT;
import static dev.rtbe.agent.http.Hook.THROWABLE;

import dev.rtbe.agent.http.ClassHooks;
import dev.rtbe.agent.http.ClientInstrumentation;
import dev.rtbe.agent.http.Hook;
import java.util.List;

/**
 * Apache HttpClient 5, classic and async. Every public {@code execute} overload (and
 * {@code executeOpen}) of {@code CloseableHttpClient} and {@code CloseableHttpAsyncClient} funnels,
 * on the calling thread and before anything is sent, into the protected {@code doExecute} of the
 * concrete client; the clients' retries and redirects run inside it, in the exec chain. So the
 * hooks go there, matched by name and parameter types (the boot loader cannot see the library):
 * one gate per logical call, with the {@code ReentryGuard} letting nested {@code doExecute}s through.
 */
public final class Apache5Instrumentation implements ClientInstrumentation {
    static final String HTTP_HOST = "org.apache.hc.core5.http.HttpHost";
    static final String BRIDGE = "dev.rtbe.agent.http.apache5.Apache5Bridge";

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

    /**
     * Classic {@code doExecute(HttpHost, ClassicHttpRequest, HttpContext)}: the slot is acquired
     * (blocking, as the classic API is) on entry; the exit hands back the response with a body that
     * releases the slot at its end or close. A preemptible call is sent by the agent on entry
     * (attempt after attempt) and the original is skipped. Async {@code doExecute(HttpHost,
     * AsyncRequestProducer, AsyncResponseConsumer, HandlerFactory, HttpContext, FutureCallback)}: a
     * gated call returns the adapter's future at once and runs the real {@code doExecute} when its
     * slot is granted. Only the concrete clients under the package declare these (their abstract
     * parents' are not woven).
     */
    @Override
    public List<ClassHooks> hooks() {
        return List.of(ClassHooks.under("org/apache/hc/client5/",
                Hook.method("doExecute", 3).argument(0, HTTP_HOST).argument(1, "org.apache.hc.core5.http.ClassicHttpRequest")
                        .enter(BRIDGE, "beforeClassic", "(" + OBJECT + OBJECT + OBJECT + OBJECT + ")" + OBJECT,
                                Hook.OnEnter.SKIP_IF_OUTCOME, Hook.THIS, Hook.argument(0), Hook.argument(1),
                                Hook.argument(2))
                        .exit(BRIDGE, "exitClassic", "(" + OBJECT + OBJECT + THROWABLE + ")" + OBJECT, true,
                                Hook.ENTERED, Hook.RETURNED, Hook.THROWN),
                Hook.method("doExecute", 6).argument(0, HTTP_HOST)
                        .argument(1, "org.apache.hc.core5.http.nio.AsyncRequestProducer")
                        .enter(BRIDGE, "executeAsync", "(" + OBJECT + OBJECT + OBJECT + OBJECT + OBJECT + OBJECT
                                        + OBJECT + ")" + OBJECT, Hook.OnEnter.SKIP_IF_NON_NULL, Hook.THIS,
                                Hook.argument(0), Hook.argument(1), Hook.argument(2), Hook.argument(3),
                                Hook.argument(4), Hook.argument(5))));
    }
}
