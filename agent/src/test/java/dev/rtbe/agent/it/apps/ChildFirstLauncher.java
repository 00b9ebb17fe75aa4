package dev.rtbe.agent.it.apps;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs an application from its own class loader, with library jars that take precedence over
 * those on the class path: how a test runs the same application against another version of a
 * client library (and how a Spring Boot-like application keeps its libraries out of the system
 * loader). Every class the jars hold, and the test applications themselves, load child-first;
 * the rest comes from the class path. {@code main(jarDir, mainClass, args...)}.
 */
public final class ChildFirstLauncher {
    private static final String OWN = "dev.rtbe.agent.it.apps.";

    private ChildFirstLauncher() {}

    public static void main(String[] args) throws Exception {
        List<URL> urls = new ArrayList<>();
        File[] jars = new File(args[0]).listFiles((dir, name) -> name.endsWith(".jar"));
        if (jars == null || jars.length == 0) {
            throw new IllegalStateException("no jars in " + args[0]);
        }
        for (File jar : jars) {
            urls.add(jar.toURI().toURL());
        }
        urls.add(ChildFirstLauncher.class.getProtectionDomain().getCodeSource().getLocation());
        ClassLoader loader = new ChildFirst(urls.toArray(new URL[0]), ChildFirstLauncher.class.getClassLoader());
        Thread.currentThread().setContextClassLoader(loader);
        Class<?> main = Class.forName(args[1], true, loader);
        main.getMethod("main", String[].class).invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
    }

    private static final class ChildFirst extends URLClassLoader {
        static {
            registerAsParallelCapable();
        }

        private final URLClassLoader jarsOnly;

        ChildFirst(URL[] urls, ClassLoader parent) {
            super("app", urls, parent);
            jarsOnly = new URLClassLoader(Arrays.copyOf(urls, urls.length - 1), null);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!isOwn(name) && jarsOnly.findResource(name.replace('.', '/') + ".class") == null) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        /** The jars' resources first too (a library's version file, its service files), then the class path's. */
        @Override
        public URL getResource(String name) {
            URL own = jarsOnly.findResource(name);
            return own != null ? own : super.getResource(name);
        }

        @Override
        public java.util.Enumeration<URL> getResources(String name) throws java.io.IOException {
            List<URL> all = new ArrayList<>(java.util.Collections.list(jarsOnly.findResources(name)));
            for (URL url : java.util.Collections.list(super.getResources(name))) {
                if (!all.contains(url)) {
                    all.add(url);
                }
            }
            return java.util.Collections.enumeration(all);
        }

        private static boolean isOwn(String name) {
            return name.startsWith(OWN) && !name.equals(ChildFirstLauncher.class.getName());
        }
    }
}
