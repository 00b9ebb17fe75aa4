package dev.rtbe.agent.http;

import dev.rtbe.agent.call.AgentLog;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The clients' instrumentation: a plain transformer that weaves the hooked methods of the
 * clients' classes ({@link HookWeaver}) as they load, and of those loaded before it, by
 * retransformation. Every other class costs a few name comparisons. A class that cannot be
 * woven is loaded as it is (its calls stay ungated) and reported once.
 */
public final class ClientTransformer implements ClassFileTransformer, HookWeaver.Problems {
    private final List<ClassHooks> classes;
    private final Instrumentation inst;
    private final AgentLog log;
    /** The module of the bridges: woven classes of named modules (the JDK's clients) must read it. */
    private final Module bridges = ClientTransformer.class.getModule();

    public ClientTransformer(List<ClassHooks> classes, Instrumentation inst, AgentLog log) {
        this.classes = classes;
        this.inst = inst;
        this.log = log;
    }

    /**
     * Installs this transformer and weaves the matching classes already loaded; returns every class
     * that was loaded (no class loads unseen between the two: the transformer is in place first).
     */
    public Class<?>[] install() {
        inst.addTransformer(this, true);
        Class<?>[] all = inst.getAllLoadedClasses();
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> c : all) {
            if (hooksFor(c.getName().replace('.', '/')) != null && inst.isModifiableClass(c)) {
                loaded.add(c);
            }
        }
        if (loaded.isEmpty()) {
            return all;
        }
        try {
            inst.retransformClasses(loaded.toArray(new Class<?>[0]));
        } catch (UnmodifiableClassException | RuntimeException | LinkageError batch) {
            for (Class<?> c : loaded) { // one by one, so one failure leaves the others woven
                try {
                    inst.retransformClasses(c);
                } catch (UnmodifiableClassException | RuntimeException | LinkageError e) {
                    report("could not instrument " + c.getName() + ": " + e);
                }
            }
        }
        return all;
    }

    private List<Hook> hooksFor(String internalName) {
        List<Hook> found = null;
        for (ClassHooks c : classes) {
            if (c.covers(internalName)) {
                if (found == null) {
                    found = new ArrayList<>(c.hooks);
                } else {
                    found.addAll(c.hooks);
                }
            }
        }
        return found;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String name, Class<?> redefined,
                            ProtectionDomain domain, byte[] bytes) {
        if (name == null || name.startsWith("dev/rtbe/")) {
            return null;
        }
        List<Hook> hooks = hooksFor(name);
        if (hooks == null) {
            return null;
        }
        try {
            byte[] woven = HookWeaver.weave(bytes, hooks, this);
            if (woven != null && module != null && module.isNamed() && !module.canRead(bridges)) {
                inst.redefineModule(module, Set.of(bridges), Map.of(), Map.of(), Set.of(), Map.of());
            }
            return woven;
        } catch (RuntimeException | LinkageError e) {
            report("could not instrument " + name.replace('/', '.') + ": " + e);
            return null;
        }
    }

    @Override
    public byte[] transform(ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain,
                            byte[] bytes) {
        return transform(null, loader, name, redefined, domain, bytes);
    }

    @Override
    public void report(String problem) {
        log.warn(problem);
    }
}
