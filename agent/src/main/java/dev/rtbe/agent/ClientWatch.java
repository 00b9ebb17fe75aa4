package dev.rtbe.agent;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * All the agent installs at start-up: a plain transformer that only compares the names of classes
 * as they load with the HTTP clients' packages. The first class of a client starts the agent's
 * real work ({@code start}: runtime, the clients' instrumentation) on the loading thread, before that
 * class is defined and so before any code of the client runs; the class is then handed to the
 * instrumentation just installed (which only sees classes loaded after it), and this watch removes
 * itself. A JVM that never loads an HTTP client pays for this transformer and nothing else.
 *
 * <p>Another thread that loads a client class meanwhile waits for the start to finish, bounded:
 * the starting thread loads only the agent's, ASM's and public JDK classes, never a client's,
 * so it cannot be waiting for a class that thread holds. A client class loaded by the starting
 * thread itself passes (the instrumentation's retransformation of loaded classes covers it).
 */
final class ClientWatch implements ClassFileTransformer {
    static final long WAIT_SECONDS = 30;

    private final List<String> prefixes;
    private final Function<String, ClassFileTransformer> start;
    private final Consumer<String> warn;
    private final AtomicReference<Thread> starter = new AtomicReference<>();
    private final CompletableFuture<ClassFileTransformer> started = new CompletableFuture<>();
    private volatile Instrumentation installedOn;

    /**
     * {@code start} gets the dotted name of the class that started it and returns the installed
     * instrumentation, or null when the agent could not start (it reports why itself).
     */
    ClientWatch(List<String> prefixes, Function<String, ClassFileTransformer> start, Consumer<String> warn) {
        this.prefixes = prefixes;
        this.start = start;
        this.warn = warn;
    }

    /**
     * Watches class loading from now on; starts at once if a client class is loaded already (the
     * agent attached late, or another agent loaded it first). Returns whether it started here.
     */
    boolean install(Instrumentation inst) {
        installedOn = inst;
        inst.addTransformer(this, false);
        for (Class<?> c : inst.getAllLoadedClasses()) {
            String name = c.getName().replace('.', '/');
            if (watches(name)) {
                startOnce(name);
                return true;
            }
        }
        return false;
    }

    boolean watches(String internalName) {
        return isUnder(internalName, prefixes);
    }

    /** Whether a class (internal name, {@code a/b/C}) lies under one of the prefixes. */
    static boolean isUnder(String internalName, List<String> prefixes) {
        for (String prefix : prefixes) {
            if (internalName.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }


    @Override
    public byte[] transform(Module module, ClassLoader loader, String name, Class<?> redefined,
                            ProtectionDomain domain, byte[] bytes) throws IllegalClassFormatException {
        if (name == null || redefined != null || started.isDone() || !watches(name)) {
            return null;
        }
        ClassFileTransformer real = startOnce(name);
        return real == null ? null : real.transform(module, loader, name, null, domain, bytes);
    }

    @Override
    public byte[] transform(ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain,
                            byte[] bytes) throws IllegalClassFormatException {
        return transform(null, loader, name, redefined, domain, bytes);
    }

    /** Runs {@code start} once; other threads wait for it. Null: not started, or this is the starting thread. */
    private ClassFileTransformer startOnce(String internalName) {
        Thread me = Thread.currentThread();
        if (starter.compareAndSet(null, me)) {
            ClassFileTransformer real = null;
            try {
                real = start.apply(internalName.replace('/', '.'));
            } catch (RuntimeException | LinkageError e) {
                warn.accept("the agent failed to start and is off: " + e);
            } finally {
                started.complete(real);
                Instrumentation inst = installedOn;
                if (inst != null) {
                    inst.removeTransformer(this);
                }
            }
            return real;
        }
        if (starter.get() == me) {
            return null;
        }
        try {
            return started.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            warn.accept(internalName.replace('/', '.') + " loaded while the agent was starting on another thread"
                    + " and may stay ungated: the start took over " + WAIT_SECONDS + " s");
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            return null; // never: the future is only completed normally
        }
    }
}
