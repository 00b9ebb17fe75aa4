package dev.rtbe.agent.http;

import static dev.rtbe.agent.http.Hook.OBJECT;
import static dev.rtbe.agent.http.Hook.THROWABLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The woven class is defined by a loader of its own, so the JVM verifies it (stack map frames
 * included), and run: each shape of hook, with the body's own locals, loops and handlers.
 */
class HookWeaverTest {
    private static final String BRIDGE = Bridge.class.getName();
    private static final String SUBJECT = WovenSubject.class.getName();

    private final List<String> problems = new ArrayList<>();
    private Class<?> woven;
    private Object subject;

    /** Public, so the woven class (another loader, so another runtime package) may call it. */
    public static final class Bridge {
        static final List<String> CALLS = new ArrayList<>();
        static volatile boolean fail;

        private Bridge() {}

        public static Object greet(Object self, Object name) {
            CALLS.add("greet " + name);
            if (fail) {
                throw new IllegalStateException("the bridge fails");
            }
            if ("io".equals(name)) {
                return AdviceOutcome.failed(new IOException("refused"));
            }
            return String.valueOf(name).startsWith("skip") ? "skipped " + name : null;
        }

        public static Object shout(Object returned, Throwable thrown) {
            CALLS.add("shout " + returned + " " + thrown);
            if (fail) {
                throw new IllegalStateException("the bridge fails");
            }
            return returned + "!";
        }

        public static Object guard(int x) {
            CALLS.add("guard " + x);
            return x == 7 ? AdviceOutcome.of("settled") : x == 1 ? "gate" : null;
        }

        public static Object settle(Object entered, Object returned, Throwable thrown) {
            CALLS.add("settle " + (entered instanceof AdviceOutcome ? "outcome" : entered) + " " + returned + " "
                    + (thrown == null ? null : thrown.getMessage()));
            if (entered instanceof AdviceOutcome) {
                return entered;
            }
            return "gate".equals(entered) ? returned + " via gate" : returned;
        }

        public static Object replace(int index, Object request) {
            return index == 0 ? "replaced " + request : null;
        }

        public static boolean veto(Object self) {
            return ((WovenSubjectView) self).vetoed();
        }

        public static void done(Object self) {
            CALLS.add("done");
        }

        public static Object twice(Object arg, Object returned) {
            return returned + "|" + returned;
        }
    }

    /** What the test sees of the woven subject (loaded by the parent, so both loaders agree on it). */
    public interface WovenSubjectView {
        boolean vetoed();
    }

    @BeforeEach
    void weave() throws Exception {
        Bridge.CALLS.clear();
        Bridge.fail = false;
        List<Hook> hooks = List.of(
                Hook.method("greet", 1).argument(0, "java.lang.String")
                        .enter(BRIDGE, "greet", "(" + OBJECT + OBJECT + ")" + OBJECT, Hook.OnEnter.SKIP_IF_NON_NULL,
                                Hook.THIS, Hook.argument(0)),
                Hook.method("count", 3)
                        .exit(BRIDGE, "shout", "(" + OBJECT + THROWABLE + ")" + OBJECT, true, Hook.RETURNED, Hook.THROWN),
                Hook.method("risky", 1)
                        .enter(BRIDGE, "guard", "(I)" + OBJECT, Hook.OnEnter.SKIP_IF_OUTCOME, Hook.argument(0))
                        .exit(BRIDGE, "settle", "(" + OBJECT + OBJECT + THROWABLE + ")" + OBJECT, true, Hook.ENTERED,
                                Hook.RETURNED, Hook.THROWN),
                Hook.method("echo", 1)
                        .enter(BRIDGE, "replace", "(I" + OBJECT + ")" + OBJECT, Hook.OnEnter.REPLACE_FIRST_ARGUMENT,
                                Hook.field("index"), Hook.argument(0)),
                Hook.method("bump", 0)
                        .enter(BRIDGE, "veto", "(" + OBJECT + ")Z", Hook.OnEnter.SKIP_IF_TRUE, Hook.THIS)
                        .exit(BRIDGE, "done", "(" + OBJECT + ")V", true, Hook.THIS),
                Hook.method("twice", 1).access(Modifier.STATIC)
                        .exit(BRIDGE, "twice", "(" + OBJECT + OBJECT + ")" + OBJECT, false, Hook.argument(0), Hook.RETURNED),
                Hook.method("greet", 2)); // no such method: nothing happens
        byte[] original;
        try (InputStream in = HookWeaverTest.class.getResourceAsStream("WovenSubject.class")) {
            original = in.readAllBytes();
        }
        byte[] bytes = HookWeaver.weave(original, hooks, problems::add);
        assertNotNull(bytes);
        woven = new ClassLoader(HookWeaverTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(SUBJECT)) {
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> c = findLoadedClass(name);
                        return c != null ? c : defineClass(name, bytes, 0, bytes.length);
                    }
                }
                return super.loadClass(name, resolve);
            }
        }.loadClass(SUBJECT);
        java.lang.reflect.Constructor<?> constructor = woven.getDeclaredConstructor();
        constructor.setAccessible(true);
        subject = constructor.newInstance();
        assertTrue(problems.isEmpty(), problems::toString);
    }

    private java.lang.reflect.Field field(String name) throws NoSuchFieldException {
        java.lang.reflect.Field f = woven.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    private Object call(String name, Object... args) throws Throwable {
        for (Method m : woven.getDeclaredMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                m.setAccessible(true);
                try {
                    return m.invoke(Modifier.isStatic(m.getModifiers()) ? null : subject, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
        }
        throw new AssertionError(name);
    }

    @Test
    void anEnterValueSkipsTheBodyAndIsReturnedOrThrown() throws Throwable {
        assertEquals("hello you", call("greet", "you"));
        assertEquals("skipped skip-me", call("greet", "skip-me"));
        IOException refused = assertThrows(IOException.class, () -> call("greet", "io"));
        assertEquals("refused", refused.getMessage());
        assertEquals(List.of("greet you", "greet skip-me", "greet io"), Bridge.CALLS);
    }

    @Test
    void aFailingBridgeIsSwallowedAndTheOriginalRuns() throws Throwable {
        Bridge.fail = true;
        assertEquals("hello skip-me", call("greet", "skip-me"));
        assertEquals("3:a:1.5", call("count", 3L, "a", 1.5d));
    }

    @Test
    void theExitSeesAndReplacesWhatTheBodyReturnedWithItsOwnLocalsAndLoopsIntact() throws Throwable {
        assertEquals("3:a:1.5!", call("count", 3L, "a", 1.5d));
        assertEquals("0:b:2.0!", call("count", 0L, "b", 2.0d));
        assertEquals(List.of("shout 3:a:1.5 null", "shout 0:b:2.0 null"), Bridge.CALLS);
    }

    @Test
    void theExitSeesWhatTheBodyThrewAndTheThrowableStands() throws Throwable {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> call("count", -1L, "c", 0d));
        assertEquals("negative", e.getMessage());
        assertEquals(1, Bridge.CALLS.size());
        assertTrue(Bridge.CALLS.get(0).startsWith("shout null java.lang.IllegalArgumentException"), Bridge.CALLS::toString);
    }

    @Test
    void theBodysOwnHandlersComeFirst() throws Throwable {
        assertEquals("caught", call("risky", 0));
        assertEquals("fine 1 via gate", call("risky", 1));
        IOException thrown = assertThrows(IOException.class, () -> call("risky", -1));
        assertEquals("below zero", thrown.getMessage());
        assertEquals(List.of("guard 0", "settle null caught null", "guard 1", "settle gate fine 1 null", "guard -1",
                "settle null null below zero"), Bridge.CALLS);
    }

    @Test
    void aSkippedBodyGoesToTheExitWhichDecides() throws Throwable {
        assertEquals("settled", call("risky", 7));
        assertEquals(List.of("guard 7", "settle outcome null null"), Bridge.CALLS);
    }

    @Test
    void theFirstArgumentIsReplacedByAFieldsVerdict() throws Throwable {
        assertEquals("echo replaced x", call("echo", "x"));
        field("index").setInt(subject, 1);
        assertEquals("echo y", call("echo", "y"));
    }

    @Test
    void aVoidMethodIsSkippedOnTrueAndItsExitRunsEitherWay() throws Throwable {
        call("bump");
        assertEquals(1, field("bumps").getInt(subject));
        field("veto").setBoolean(subject, true);
        call("bump");
        assertEquals(1, field("bumps").getInt(subject));
        assertEquals(List.of("done", "done"), Bridge.CALLS);
    }

    @Test
    void aStaticMethodsExitReplacesItsValue() throws Throwable {
        assertEquals("s|s", call("twice", "s"));
    }

    @Test
    void aMethodThatDoesNotMatchIsLeftAsItIs() throws Exception {
        byte[] original;
        try (InputStream in = HookWeaverTest.class.getResourceAsStream("WovenSubject.class")) {
            original = in.readAllBytes();
        }
        assertNull(HookWeaver.weave(original, List.of(Hook.method("greet", 2)), problems::add));
        assertArrayEquals(new Object[0], problems.toArray());
    }

    @Test
    void aHookOnAFieldTheClassLacksIsReportedAndNotWoven() throws Exception {
        byte[] original;
        try (InputStream in = HookWeaverTest.class.getResourceAsStream("WovenSubject.class")) {
            original = in.readAllBytes();
        }
        Hook hook = Hook.method("echo", 1).enter(BRIDGE, "replace", "(I" + OBJECT + ")" + OBJECT,
                Hook.OnEnter.REPLACE_FIRST_ARGUMENT, Hook.field("missing"), Hook.argument(0));
        assertNull(HookWeaver.weave(original, List.of(hook), problems::add));
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("no field missing"), problems::toString);
        assertSame(null, HookWeaver.match(List.of(hook), Modifier.ABSTRACT, "echo", "(Ljava/lang/String;)Ljava/lang/String;"));
    }
}

/** Methods in the shapes the clients' hooked methods have. */
class WovenSubject implements HookWeaverTest.WovenSubjectView {
    int index;
    int bumps;
    boolean veto;

    String greet(String name) {
        return "hello " + name;
    }

    String count(long n, String s, double d) {
        if (n < 0) {
            throw new IllegalArgumentException("negative");
        }
        long sum = 0;
        for (long i = 0; i < n; i++) {
            sum++;
        }
        StringBuilder out = new StringBuilder();
        out.append(sum).append(':').append(s).append(':').append(d);
        return out.toString();
    }

    String risky(int x) throws IOException {
        try {
            if (x == 0) {
                throw new IllegalStateException("zero");
            }
            if (x < 0) {
                throw new IOException("below zero");
            }
        } catch (IllegalStateException e) {
            return "caught";
        }
        return "fine " + x;
    }

    String echo(String request) {
        return "echo " + request;
    }

    synchronized void bump() {
        bumps++;
    }

    static String twice(String s) {
        return s;
    }

    @Override
    public boolean vetoed() {
        return veto;
    }
}
