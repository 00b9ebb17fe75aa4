package dev.rtbe.agent.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One method of a client class to weave, and the calls into the agent's bridge that
 * {@link HookWeaver} puts around its body: an optional {@code enter} call at its start (its value
 * may skip the original body, or replace the first argument) and an optional {@code exit} call at
 * every return (and, with {@link #onThrowable()}, on every exception). Both calls are static
 * methods of boot-loaded bridges; a throwable they throw is swallowed, as if they had not run.
 *
 * <p>Without an exit, a skipped method returns the enter value ({@link AdviceOutcome#unwrap}: the
 * outcome's value, or its error thrown). With an exit, a skipped method goes to the exit with
 * nothing returned or thrown. An exit that returns a value decides the method's outcome: an
 * {@link AdviceOutcome} is returned or thrown as it says; anything else is returned, unless the
 * body threw, which is then rethrown. A {@code void} exit changes nothing.
 */
public final class Hook {
    /** Descriptor of {@code Object}, for the bridges' method descriptors. */
    public static final String OBJECT = "Ljava/lang/Object;";
    /** Descriptor of {@code Throwable}. */
    public static final String THROWABLE = "Ljava/lang/Throwable;";

    /** What the enter value does. */
    public enum OnEnter {
        /** Nothing: it is only handed to the exit. */
        PROCEED,
        /** The original body is skipped if the value is not null. */
        SKIP_IF_NON_NULL,
        /** The original body is skipped if the (boolean) value is true. */
        SKIP_IF_TRUE,
        /** The original body is skipped if the value is an {@link AdviceOutcome}. */
        SKIP_IF_OUTCOME,
        /** A non-null value replaces the first argument before the body runs. */
        REPLACE_FIRST_ARGUMENT
    }

    /** A value handed to a bridge call. */
    public static final class Arg {
        enum Kind { THIS, ARGUMENT, FIELD, METHOD_NAME, FIRST_ARGUMENT_OR_NULL, ENTERED, RETURNED, THROWN }

        final Kind kind;
        final int index;
        final String field;
        /** The field's descriptor when the class does not declare it (an inherited field); else null. */
        final String inheritedDescriptor;

        private Arg(Kind kind, int index, String field, String inheritedDescriptor) {
            this.kind = kind;
            this.index = index;
            this.field = field;
            this.inheritedDescriptor = inheritedDescriptor;
        }
    }

    public static final Arg THIS = new Arg(Arg.Kind.THIS, 0, null, null);
    /** The method's name (one hook may weave several methods). */
    public static final Arg METHOD_NAME = new Arg(Arg.Kind.METHOD_NAME, 0, null, null);
    /** The first argument, or null for a method without arguments. */
    public static final Arg FIRST_ARGUMENT_OR_NULL = new Arg(Arg.Kind.FIRST_ARGUMENT_OR_NULL, 0, null, null);
    /** The enter call's value (exit only). */
    public static final Arg ENTERED = new Arg(Arg.Kind.ENTERED, 0, null, null);
    /** What the body returned, null if it threw, was skipped or is void (exit only). */
    public static final Arg RETURNED = new Arg(Arg.Kind.RETURNED, 0, null, null);
    /** What the body threw, or null (exit only). */
    public static final Arg THROWN = new Arg(Arg.Kind.THROWN, 0, null, null);

    public static Arg argument(int index) {
        return new Arg(Arg.Kind.ARGUMENT, index, null, null);
    }

    /** A field the class itself declares, read from {@code this}. */
    public static Arg field(String name) {
        return new Arg(Arg.Kind.FIELD, 0, name, null);
    }

    /** A field the class inherits (so its descriptor is not in the class file), read from {@code this}. */
    public static Arg inheritedField(String name, String descriptor) {
        return new Arg(Arg.Kind.FIELD, 0, name, descriptor);
    }

    /** A static method of a bridge class: internal owner name, method name, descriptor, arguments. */
    public static final class Call {
        final String owner;
        final String name;
        final String descriptor;
        final List<Arg> args;

        Call(String owner, String name, String descriptor, Arg... args) {
            this.owner = owner;
            this.name = name;
            this.descriptor = descriptor;
            this.args = List.of(args);
        }
    }

    final String methodName;
    final int argumentCount;
    final List<String> argumentTypes = new ArrayList<>();
    int requiredAccess;
    Call enter;
    OnEnter onEnter = OnEnter.PROCEED;
    Call exit;
    boolean onThrowable;
    /** A bridge whose {@code needsLookup()Z} asks for a lookup made inside the class, handed to {@code grant(Lookup)V}. */
    String lookupBridge;
    Runnable whenWoven;

    private Hook(String methodName, int argumentCount) {
        this.methodName = methodName;
        this.argumentCount = argumentCount;
    }

    /** The declared, non-abstract methods with this name and number of arguments. */
    public static Hook method(String name, int argumentCount) {
        return new Hook(name, argumentCount);
    }

    /** The argument at {@code index} must be of this type (dotted or internal name). */
    public Hook argument(int index, String type) {
        while (argumentTypes.size() <= index) {
            argumentTypes.add(null);
        }
        argumentTypes.set(index, type.replace('.', '/'));
        return this;
    }

    /** The method must have this access flag (e.g. {@code Opcodes.ACC_PUBLIC}). */
    public Hook access(int flag) {
        requiredAccess |= flag;
        return this;
    }

    public Hook enter(String bridge, String name, String descriptor, OnEnter onEnter, Arg... args) {
        this.enter = new Call(internal(bridge), name, descriptor, args);
        this.onEnter = onEnter;
        return this;
    }

    /** Called at every return; with {@code onThrowable} also when the body throws. */
    public Hook exit(String bridge, String name, String descriptor, boolean onThrowable, Arg... args) {
        this.exit = new Call(internal(bridge), name, descriptor, args);
        this.onThrowable = onThrowable;
        return this;
    }

    /** Before the enter call, a lookup made inside the woven class is handed to the bridge while it asks for one. */
    public Hook lookupFor(String bridge) {
        this.lookupBridge = internal(bridge);
        return this;
    }

    /** Run at transformation time once a method matched this hook and was woven. */
    public Hook whenWoven(Runnable action) {
        this.whenWoven = action;
        return this;
    }

    List<String> argumentTypes() {
        return Collections.unmodifiableList(argumentTypes);
    }

    static String internal(String className) {
        return className.replace('.', '/');
    }
}
