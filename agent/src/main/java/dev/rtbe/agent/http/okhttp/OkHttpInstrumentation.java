package dev.rtbe.agent.http.okhttp;

import static dev.rtbe.agent.http.Hook.OBJECT;

import dev.rtbe.agent.http.ClassHooks;
import dev.rtbe.agent.http.ClientInstrumentation;
import dev.rtbe.agent.http.Hook;
import java.util.List;

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
    static final String BRIDGE = "dev.rtbe.agent.http.okhttp.OkHttpBridge";

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

    /**
     * {@code RealCall.execute()} (the outcome of a gated call replaces the original),
     * {@code enqueue(Callback)} (true skips the original), {@code cancel()} (after OkHttp marked the
     * call cancelled); {@code RealInterceptorChain.proceed(Request)}: the request as sent, at the
     * chain's entry only; and the method that runs an asynchronous call on OkHttp's dispatcher
     * thread: a gated call's interceptors, authenticators and retries run inside the gate, so calls
     * they make are not gated again.
     */
    @Override
    public List<ClassHooks> hooks() {
        Hook asyncRun3 = asyncRun("execute");
        Hook asyncRun4 = asyncRun("run");
        return List.of(
                ClassHooks.named(List.of(CALL_3, CALL_4),
                        Hook.method("execute", 0).enter(BRIDGE, "execute", "(" + OBJECT + ")" + OBJECT,
                                Hook.OnEnter.SKIP_IF_NON_NULL, Hook.THIS),
                        Hook.method("enqueue", 1).enter(BRIDGE, "enqueue", "(" + OBJECT + OBJECT + ")Z",
                                Hook.OnEnter.SKIP_IF_TRUE, Hook.THIS, Hook.argument(0)),
                        Hook.method("cancel", 0).exit(BRIDGE, "cancelled", "(" + OBJECT + ")V", true, Hook.THIS)),
                ClassHooks.named(CHAIN, Hook.method("proceed", 1).argument(0, "okhttp3.Request")
                        .enter(BRIDGE, "proceedRequest", "(I" + OBJECT + OBJECT + ")" + OBJECT,
                                Hook.OnEnter.REPLACE_FIRST_ARGUMENT, Hook.field("index"), Hook.field("call"),
                                Hook.argument(0))),
                ClassHooks.named(CALL_3 + "$AsyncCall", asyncRun3),
                ClassHooks.named(CALL_4 + "$AsyncCall", asyncRun4));
    }

    private static Hook asyncRun(String method) {
        return Hook.method(method, 0)
                .enter(BRIDGE, "enterAsyncRun", "(" + OBJECT + ")Z", Hook.OnEnter.PROCEED, Hook.field("responseCallback"))
                .exit(BRIDGE, "exitAsyncRun", "(Z)V", true, Hook.ENTERED);
    }
}
