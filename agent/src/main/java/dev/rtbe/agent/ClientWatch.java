package dev.rtbe.agent;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.lang.instrument.Instrumentation;
import java.net.HttpURLConnection;
import java.security.ProtectionDomain;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * All the agent installs at premain: a plain transformer that only compares the names of classes
 * as they load with the HTTP clients' packages. The first class of a client starts the agent
 * ({@code start}: boot class path, settings, runtime, the clients' instrumentation) on the loading
 * thread, before that class is defined and so before any code of the client runs; the class is
 * then handed to the instrumentation just installed (which only sees classes loaded after it), and
 * this watch removes itself. A JVM that never loads an HTTP client pays for this transformer and
 * nothing else.
 *
 * <p>Loaded by the system class loader with {@link RtbeAgent}, before the agent's jar is on the boot
 * class path, so it uses JDK classes only, and few: a monitor rather than a future or atomics (which
 * would load the common pool and the var handle classes into a JVM that may never need them).
 *
 * <p>Another thread that loads a client class meanwhile waits for the start to finish, bounded:
 * the starting thread loads only the agent's, ASM's and public JDK classes, never a client's,
 * so it cannot be waiting for a class that thread holds. A client class loaded by the starting
 * thread itself passes (the instrumentation's retransformation of loaded classes covers it).
 */
final class ClientWatch implements ClassFileTransformer {
    static final long WAIT_MILLIS = 30_000;

    private final String[] prefixes;
    private final Function<String, ClassFileTransformer> start;
    private final Consumer<String> warn;
    private final Object lock = new Object();
    private Thread starter; // guarded by lock
    private boolean done; // guarded by lock
    private ClassFileTransformer started; // guarded by lock
    private volatile boolean finished; // done, read without the lock by every class load
    private volatile Instrumentation installedOn;

    /**
     * {@code start} gets the dotted name of the class that started it and returns the installed
     * instrumentation, or null when the agent is off or could not start (it reports why itself).
     */
    ClientWatch(String[] prefixes, Function<String, ClassFileTransformer> start, Consumer<String> warn) {
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
        Module javaBase = Object.class.getModule();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            // A class's name costs (made and interned on first use: some 20 ms for the 800 classes loaded
            // at premain). Most are java.base's, whose only instrumented client class is the JDK's
            // HttpURLConnection: there, only a subclass of java.net.HttpURLConnection is looked at.
            if (c.getModule() == javaBase && c.getSuperclass() != HttpURLConnection.class) {
                continue;
            }
            String name = c.getName().replace('.', '/');
            if (watches(name)) {
                startOnce(name);
                return true;
            }
        }
        return false;
    }

    /** Whether a class (internal name, {@code a/b/C}) lies under one of the prefixes. */
    boolean watches(String internalName) {
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
        if (name == null || redefined != null || finished || !watches(name)) {
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
        synchronized (lock) {
            if (starter == me) {
                return null;
            }
            if (starter != null) {
                return awaitStart(internalName);
            }
            starter = me;
        }
        ClassFileTransformer real = null;
        try {
            real = start.apply(internalName.replace('/', '.'));
        } catch (RuntimeException | LinkageError e) {
            warn.accept("the agent failed to start and is off: " + e);
        } finally {
            synchronized (lock) {
                started = real;
                done = true;
                lock.notifyAll();
            }
            finished = true;
            Instrumentation inst = installedOn;
            if (inst != null) {
                inst.removeTransformer(this);
            }
        }
        return real;
    }

    /** Waits (the lock held, released while waiting) for the other thread's start; bounded. */
    private ClassFileTransformer awaitStart(String internalName) {
        long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000L;
        while (!done) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                warn.accept(internalName.replace('/', '.') + " loaded while the agent was starting on another thread"
                        + " and may stay ungated: the start took over " + WAIT_MILLIS / 1000 + " s");
                return null;
            }
            try {
                lock.wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return started;
    }
}
