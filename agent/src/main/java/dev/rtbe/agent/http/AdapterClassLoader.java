package dev.rtbe.agent.http;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads a client adapter's classes beside the client's own class loader. Adapters implement
 * library interfaces (a {@code BodyHandler}, an OkHttp {@code Interceptor}, ...), so they must see
 * the library; the boot loader, where the rest of the agent lives, cannot. The jar keeps them
 * under {@value #PREFIX}, out of reach of the boot and system loaders, and this loader defines
 * them as children of the client's loader; everything else resolves through the parent chain.
 */
public final class AdapterClassLoader extends ClassLoader {
    public static final String PREFIX = "rtbe-adapters/";

    static {
        registerAsParallelCapable();
    }

    /**
     * One adapter loader per client loader. Values are weak too: an adapter loader references its
     * parent, and a strong value would keep every application class loader alive forever. The
     * adapters in use keep their loader reachable through their own classes.
     */
    private static final Map<ClassLoader, WeakReference<AdapterClassLoader>> LOADERS = new WeakHashMap<>();
    private static volatile JarFile agentJar;

    private final JarFile jar;
    /** Packages (as {@code a/b/}) defined here from their normal path in the jar, never asked of the parent. */
    private final String[] childFirst;

    private AdapterClassLoader(ClassLoader parent, JarFile jar) {
        this("rtbe-adapters", parent, jar, new String[0]);
    }

    private AdapterClassLoader(String name, ClassLoader parent, JarFile jar, String[] childFirst) {
        super(name, parent);
        this.jar = jar;
        this.childFirst = childFirst;
    }

    /**
     * A loader that defines the classes of the given packages itself, from their normal place in
     * the agent jar, instead of letting the boot loader (which also has the jar) define them: for
     * agent classes that use a JDK module the boot loader cannot see, such as the OTLP exporter's
     * {@code java.net.http} sender. Everything else comes from {@code parent}. Returns null when
     * not started from the agent jar (tests): then the class path already sees everything.
     */
    public static ClassLoader childFirst(String name, ClassLoader parent, String... packages) {
        JarFile jar = agentJar;
        if (jar == null) {
            return null;
        }
        String[] paths = new String[packages.length];
        for (int i = 0; i < packages.length; i++) {
            paths[i] = packages[i].replace('.', '/') + "/";
        }
        return new AdapterClassLoader(name, parent, jar, paths);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        String path = name.replace('.', '/') + ".class";
        if (!isChildFirst(path)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                c = define(name, jar.getJarEntry(path));
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    private boolean isChildFirst(String path) {
        for (String p : childFirst) {
            if (path.startsWith(p) && path.indexOf('/', p.length()) < 0) {
                return true;
            }
        }
        return false;
    }

    /** Called once at start-up with the agent's own jar. */
    public static void useJar(JarFile jar) {
        agentJar = jar;
    }

    /** Creates the named adapter, loaded as a child of {@code clientLoader}. */
    public static <T> T instantiate(String className, ClassLoader clientLoader, Class<T> type)
            throws ReflectiveOperationException {
        ClassLoader loader = loaderFor(clientLoader);
        Class<?> adapter = Class.forName(className, true, loader);
        return type.cast(adapter.getDeclaredConstructor().newInstance());
    }

    private static ClassLoader loaderFor(ClassLoader clientLoader) {
        JarFile jar = agentJar;
        if (jar == null) {
            return clientLoader; // not started from the jar (unit tests): adapters are plain classes
        }
        synchronized (LOADERS) {
            WeakReference<AdapterClassLoader> cached = LOADERS.get(clientLoader);
            AdapterClassLoader loader = cached == null ? null : cached.get();
            if (loader == null) {
                loader = new AdapterClassLoader(clientLoader, jar);
                LOADERS.put(clientLoader, new WeakReference<>(loader));
            }
            return loader;
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        return define(name, jar.getJarEntry(PREFIX + name.replace('.', '/') + ".class"));
    }

    private Class<?> define(String name, JarEntry entry) throws ClassNotFoundException {
        if (entry == null) {
            throw new ClassNotFoundException(name);
        }
        try (InputStream in = jar.getInputStream(entry)) {
            byte[] bytes = in.readAllBytes();
            return defineClass(name, bytes, 0, bytes.length);
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
    }
}
