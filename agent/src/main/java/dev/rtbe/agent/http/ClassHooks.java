package dev.rtbe.agent.http;

import java.util.List;

/**
 * The classes a client's hooks apply to: named classes, or (for a library whose concrete clients
 * vary by version) every class under a package prefix that declares a matching method; hooks
 * match by name and exact parameter types, which only the library's own clients declare.
 */
public final class ClassHooks {
    private final List<String> names;
    private final String prefix;
    final List<Hook> hooks;

    private ClassHooks(List<String> names, String prefix, List<Hook> hooks) {
        this.names = names;
        this.prefix = prefix;
        this.hooks = hooks;
    }

    /** The named classes (dotted or internal names). */
    public static ClassHooks named(List<String> classNames, Hook... hooks) {
        String[] internal = new String[classNames.size()];
        for (int i = 0; i < internal.length; i++) {
            internal[i] = Hook.internal(classNames.get(i));
        }
        return new ClassHooks(List.of(internal), null, List.of(hooks));
    }

    public static ClassHooks named(String className, Hook... hooks) {
        return named(List.of(className), hooks);
    }

    /** Every class (not interface) under the package prefix, internal form ({@code org/apache/hc/client5/}). */
    public static ClassHooks under(String packagePrefix, Hook... hooks) {
        return new ClassHooks(List.of(), packagePrefix, List.of(hooks));
    }

    /** Whether a class of this internal name may be woven by these hooks. */
    boolean covers(String internalName) {
        return prefix == null ? names.contains(internalName) : internalName.startsWith(prefix);
    }
}
