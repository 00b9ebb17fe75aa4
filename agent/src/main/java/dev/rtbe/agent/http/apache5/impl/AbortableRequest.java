package dev.rtbe.agent.http.apache5.impl;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicMarkableReference;
import org.apache.hc.client5.http.config.Configurable;
import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.HttpEntity;

/**
 * The application's classic request as one attempt sends it: every method goes to the request
 * itself, except that the attempt has its own body (the same one, or a copy) and its own
 * cancellation. The client's exec chain makes a request that is a {@link CancellableDependency}
 * depend on its connection lease, then on its exec runtime, whose cancel closes the connection at
 * once without reuse: that is how the scheduler's abort ends an attempt on the wire, on any thread,
 * whatever the request's own class. A cancel before the chain sets its dependency cancels that
 * dependency as it is set (as {@code HttpUriRequestBase} does).
 */
final class AbortableRequest implements InvocationHandler, CancellableDependency {
    private final ClassicHttpRequest original;
    private final HttpEntity entity;
    private final AtomicMarkableReference<Cancellable> dependency = new AtomicMarkableReference<>(null, false);

    private AbortableRequest(ClassicHttpRequest original, HttpEntity entity) {
        this.original = original;
        this.entity = entity;
    }

    /** The request one attempt sends ({@code entity}: its body), and its cancellation. */
    static AbortableRequest of(ClassicHttpRequest original, HttpEntity entity) {
        return new AbortableRequest(original, entity);
    }

    ClassicHttpRequest request() {
        Class<?>[] types = original instanceof Configurable
                ? new Class<?>[] {ClassicHttpRequest.class, CancellableDependency.class, Configurable.class}
                : new Class<?>[] {ClassicHttpRequest.class, CancellableDependency.class};
        return (ClassicHttpRequest) Proxy.newProxyInstance(AbortableRequest.class.getClassLoader(), types, this);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Class<?> owner = method.getDeclaringClass();
        if (owner == CancellableDependency.class || owner == Cancellable.class) {
            return method.invoke(this, args);
        }
        switch (method.getName()) {
            case "getEntity":
                return entity;
            case "setEntity":
                return null; // the attempt's body stays; the chain sends a copy of the request anyway
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            default:
                try {
                    return method.invoke(original, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
        }
    }

    @Override
    public boolean cancel() {
        while (!dependency.isMarked()) {
            Cancellable current = dependency.getReference();
            if (dependency.compareAndSet(current, current, false, true)) {
                if (current != null) {
                    current.cancel();
                }
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean isCancelled() {
        return dependency.isMarked();
    }

    @Override
    public void setDependency(Cancellable cancellable) {
        Cancellable current = dependency.getReference();
        if (!dependency.compareAndSet(current, cancellable, false, false) && cancellable != null) {
            cancellable.cancel(); // cancelled already: so is what it now depends on
        }
    }
}
