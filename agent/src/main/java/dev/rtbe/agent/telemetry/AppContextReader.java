package dev.rtbe.agent.telemetry;

import java.lang.ref.SoftReference;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Reads the application's current span, so that our span can join its trace. Our own copy of
 * the OpenTelemetry API is shaded and has a context of its own, so we look at theirs by
 * reflection: the application's unshaded API found through the calling thread's context class
 * loader (its own SDK; the OpenTelemetry Java agent bridges that API too), else the
 * OpenTelemetry Java agent's API in the boot loader. Lookups are cached per class loader;
 * a loader without OpenTelemetry costs one failed lookup, ever.
 */
final class AppContextReader {
    // Built at run time: the shade plugin would otherwise relocate these names to our own copy.
    private static final String API = String.join(".", "io", "opentelemetry", "api", "trace") + ".";
    private static final String AGENT_API = String.join(".", "io", "opentelemetry", "javaagent", "shaded", "io",
            "opentelemetry", "api", "trace") + ".";

    private static final Object NONE = new Object();
    private static final Map<ClassLoader, Object> BY_LOADER = new WeakHashMap<>();
    private static volatile Object agentApi;

    private AppContextReader() {}

    /** The application's current valid span, or null; never throws. */
    static TraceParent current() {
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            if (loader == null) {
                loader = ClassLoader.getSystemClassLoader();
            }
            TraceParent parent = read(forLoader(loader));
            return parent != null ? parent : read(forAgent());
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    private static Accessor forLoader(ClassLoader loader) {
        Object cached;
        synchronized (BY_LOADER) {
            cached = BY_LOADER.get(loader);
        }
        Accessor accessor = unwrap(cached);
        if (accessor != null || cached == NONE) {
            return accessor;
        }
        accessor = Accessor.find(API, loader);
        synchronized (BY_LOADER) {
            // Soft: the accessor refers to the loader's classes, and a map value must not keep its key alive.
            BY_LOADER.put(loader, accessor == null ? NONE : new SoftReference<>(accessor));
        }
        return accessor;
    }

    private static Accessor forAgent() {
        Object cached = agentApi;
        if (cached == null) {
            Accessor found = Accessor.find(AGENT_API, null);
            cached = found == null ? NONE : found;
            agentApi = cached;
        }
        return cached == NONE ? null : (Accessor) cached;
    }

    private static Accessor unwrap(Object cached) {
        if (cached instanceof SoftReference) {
            return (Accessor) ((SoftReference<?>) cached).get();
        }
        return null;
    }

    private static TraceParent read(Accessor accessor) {
        return accessor == null ? null : accessor.current();
    }

    /** {@code Span.current().getSpanContext()} and its parts, in one API copy. */
    private static final class Accessor {
        private final Method current;
        private final Method spanContext;
        private final Method isValid;
        private final Method traceId;
        private final Method spanId;
        private final Method isSampled;

        private Accessor(Class<?> span, Class<?> context) throws NoSuchMethodException {
            current = span.getMethod("current");
            spanContext = span.getMethod("getSpanContext");
            isValid = context.getMethod("isValid");
            traceId = context.getMethod("getTraceId");
            spanId = context.getMethod("getSpanId");
            isSampled = context.getMethod("isSampled");
        }

        static Accessor find(String prefix, ClassLoader loader) {
            try {
                return new Accessor(Class.forName(prefix + "Span", false, loader),
                        Class.forName(prefix + "SpanContext", false, loader));
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return null;
            }
        }

        TraceParent current() {
            try {
                Object context = spanContext.invoke(current.invoke(null));
                if (context == null || !Boolean.TRUE.equals(isValid.invoke(context))) {
                    return null;
                }
                return new TraceParent((String) traceId.invoke(context), (String) spanId.invoke(context),
                        Boolean.TRUE.equals(isSampled.invoke(context)));
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
    }
}
