package dev.rtbe.agent.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Rewrites the bodies of a class's hooked methods ({@link Hook}) with ASM, and nothing else: no
 * member, field or attribute is added, so the same rewrite serves classes being loaded and
 * classes retransformed after they were loaded. A hooked method becomes
 *
 * <pre>
 *   E = enter(...)                 // a throwable from the bridge is swallowed: E = null / false
 *   if (skip(E)) ...               // return or throw the outcome, or go to the exit
 *   body                           // each return stores its value (RET) and goes to the exit
 *   exit:                          // also reached from a catch-all handler (THR) with onThrowable
 *   O = exit(E, RET, THR, ...)     // swallowed too: then the body's own outcome stands
 *   return or throw per O, else THR, else RET
 * </pre>
 *
 * Three local slots (E, RET, THR) are inserted right after the parameters, the body's own locals
 * move up by three, and every stack map frame of the body gets the three slots, so the frames
 * stay exact without loading any class (frames are copied, not computed).
 */
final class HookWeaver {
    private static final String OUTCOME = "dev/rtbe/agent/http/AdviceOutcome";
    private static final String THROWABLE = "java/lang/Throwable";
    private static final String OBJECT = "java/lang/Object";
    private static final int OWN_LOCALS = 3;

    private HookWeaver() {}

    /** Reports a method that matched a hook but cannot be woven (its class is woven without it). */
    interface Problems {
        void report(String problem);
    }

    /** The class with its hooked methods woven, or null if no method matched. */
    static byte[] weave(byte[] classFile, List<Hook> hooks, Problems problems) {
        ClassReader reader = new ClassReader(classFile);
        if ((reader.getAccess() & Opcodes.ACC_INTERFACE) != 0) {
            return null;
        }
        ClassWriter writer = new ClassWriter(reader, 0);
        Weaving weaving = new Weaving(writer, hooks, problems);
        reader.accept(weaving, ClassReader.EXPAND_FRAMES);
        if (weaving.woven.isEmpty()) {
            return null;
        }
        byte[] result = writer.toByteArray();
        for (Hook hook : weaving.woven) {
            if (hook.whenWoven != null) {
                hook.whenWoven.run();
            }
        }
        return result;
    }

    /** The hook for a method, or null: name, argument count and types, access; never abstract or native. */
    static Hook match(List<Hook> hooks, int access, String name, String descriptor) {
        if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
            return null;
        }
        Type[] args = null;
        for (Hook hook : hooks) {
            if (!hook.methodName.equals(name) || (access & hook.requiredAccess) != hook.requiredAccess) {
                continue;
            }
            if (args == null) {
                args = Type.getArgumentTypes(descriptor);
            }
            if (args.length == hook.argumentCount && typesMatch(hook.argumentTypes(), args)) {
                return hook;
            }
        }
        return null;
    }

    private static boolean typesMatch(List<String> wanted, Type[] args) {
        for (int i = 0; i < wanted.size(); i++) {
            String type = wanted.get(i);
            if (type != null && (args[i].getSort() != Type.OBJECT || !args[i].getInternalName().equals(type))) {
                return false;
            }
        }
        return true;
    }

    private static final class Weaving extends ClassVisitor {
        private final List<Hook> hooks;
        private final Problems problems;
        private final Map<String, String> fields = new HashMap<>();
        final List<Hook> woven = new ArrayList<>();
        private String owner;
        private boolean frames;

        Weaving(ClassVisitor next, List<Hook> hooks, Problems problems) {
            super(Opcodes.ASM9, next);
            this.hooks = hooks;
            this.problems = problems;
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                          String[] interfaces) {
            owner = name;
            frames = (version & 0xFFFF) >= Opcodes.V1_6; // older class files have no stack map frames
            super.visit(version, access, name, signature, superName, interfaces);
        }

        @Override
        public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
            if ((access & Opcodes.ACC_STATIC) == 0) {
                fields.put(name, descriptor);
            }
            return super.visitField(access, name, descriptor, signature, value);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                         String[] exceptions) {
            MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
            Hook hook = match(hooks, access, name, descriptor);
            if (hook == null) {
                return next;
            }
            String problem = problem(hook, access, descriptor);
            if (problem != null) {
                problems.report(owner.replace('/', '.') + "." + name + descriptor + " is not woven: " + problem);
                return next;
            }
            if (!woven.contains(hook)) {
                woven.add(hook);
            }
            return new HookedMethod(next, owner, access, name, descriptor, hook, fields, frames);
        }

        private String problem(Hook hook, int access, String descriptor) {
            int sort = Type.getReturnType(descriptor).getSort();
            if (hook.exit != null && sort != Type.VOID && sort != Type.OBJECT && sort != Type.ARRAY) {
                return "an exit on a method that returns a primitive";
            }
            boolean isStatic = (access & Opcodes.ACC_STATIC) != 0;
            for (Hook.Call call : calls(hook)) {
                for (Hook.Arg arg : call.args) {
                    if (arg.kind == Hook.Arg.Kind.FIELD && arg.inheritedDescriptor == null
                            && !fields.containsKey(arg.field)) {
                        return "it has no field " + arg.field;
                    }
                    if (isStatic && (arg.kind == Hook.Arg.Kind.THIS || arg.kind == Hook.Arg.Kind.FIELD)) {
                        return "it is static";
                    }
                }
            }
            return null;
        }
    }

    private static List<Hook.Call> calls(Hook hook) {
        List<Hook.Call> calls = new ArrayList<>(2);
        if (hook.enter != null) {
            calls.add(hook.enter);
        }
        if (hook.exit != null) {
            calls.add(hook.exit);
        }
        return calls;
    }

    /** One hooked method: the prologue at its start, the shifted body, the exit block at its end. */
    private static final class HookedMethod extends MethodVisitor {
        private final String owner;
        private final String name;
        private final Hook hook;
        private final Map<String, String> fields;
        private final boolean frames;
        private final boolean isStatic;
        private final Type[] argTypes;
        private final Type returnType;
        /** The first slot after the parameters: E; RET and THR follow. */
        private final int entered;
        private final Object enteredType;
        private final List<Object> initial = new ArrayList<>();
        private final Label bodyStart = new Label();
        private final Label exit = new Label();

        HookedMethod(MethodVisitor next, String owner, int access, String name, String descriptor, Hook hook,
                     Map<String, String> fields, boolean frames) {
            super(Opcodes.ASM9, next);
            this.owner = owner;
            this.name = name;
            this.hook = hook;
            this.fields = fields;
            this.frames = frames;
            this.isStatic = (access & Opcodes.ACC_STATIC) != 0;
            this.argTypes = Type.getArgumentTypes(descriptor);
            this.returnType = Type.getReturnType(descriptor);
            int slot = isStatic ? 0 : 1;
            if (!isStatic) {
                initial.add(owner);
            }
            for (Type t : argTypes) {
                initial.add(frameType(t));
                slot += t.getSize();
            }
            this.entered = slot;
            this.enteredType = hook.enter == null ? Opcodes.TOP
                    : Type.getReturnType(hook.enter.descriptor).getSort() == Type.BOOLEAN ? Opcodes.INTEGER : OBJECT;
        }

        // ---- the prologue

        @Override
        public void visitCode() {
            super.visitCode();
            if (hook.enter != null) {
                enter();
            }
            super.visitLabel(bodyStart);
            frame(locals(enteredType, Opcodes.TOP, Opcodes.TOP));
            super.visitInsn(Opcodes.NOP); // the body's own first frame, if any, needs an instruction of its own
        }

        private void enter() {
            Label start = new Label();
            Label end = new Label();
            Label failed = new Label();
            Label got = new Label();
            super.visitTryCatchBlock(start, end, failed, THROWABLE);
            super.visitLabel(start);
            if (hook.lookupBridge != null) {
                Label noLookup = new Label();
                super.visitMethodInsn(Opcodes.INVOKESTATIC, hook.lookupBridge, "needsLookup", "()Z", false);
                super.visitJumpInsn(Opcodes.IFEQ, noLookup);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/invoke/MethodHandles", "lookup",
                        "()Ljava/lang/invoke/MethodHandles$Lookup;", false);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, hook.lookupBridge, "grant",
                        "(Ljava/lang/invoke/MethodHandles$Lookup;)V", false);
                super.visitLabel(noLookup);
                frame(initial);
            }
            call(hook.enter);
            super.visitLabel(end);
            super.visitJumpInsn(Opcodes.GOTO, got);
            super.visitLabel(failed);
            frame(initial, THROWABLE);
            super.visitInsn(Opcodes.POP);
            super.visitInsn(enteredType == Opcodes.INTEGER ? Opcodes.ICONST_0 : Opcodes.ACONST_NULL);
            super.visitLabel(got);
            frame(initial, enteredType);
            super.visitVarInsn(enteredType == Opcodes.INTEGER ? Opcodes.ISTORE : Opcodes.ASTORE, entered);
            onEnter();
        }

        private void onEnter() {
            Label run = new Label();
            switch (hook.onEnter) {
                case PROCEED:
                    return;
                case REPLACE_FIRST_ARGUMENT:
                    super.visitVarInsn(Opcodes.ALOAD, entered);
                    super.visitJumpInsn(Opcodes.IFNULL, run);
                    super.visitVarInsn(Opcodes.ALOAD, entered);
                    super.visitTypeInsn(Opcodes.CHECKCAST, argTypes[0].getInternalName());
                    super.visitVarInsn(Opcodes.ASTORE, isStatic ? 0 : 1);
                    super.visitLabel(run);
                    return;
                case SKIP_IF_TRUE:
                    super.visitVarInsn(Opcodes.ILOAD, entered);
                    super.visitJumpInsn(Opcodes.IFEQ, run);
                    break;
                case SKIP_IF_NON_NULL:
                    super.visitVarInsn(Opcodes.ALOAD, entered);
                    super.visitJumpInsn(Opcodes.IFNULL, run);
                    break;
                case SKIP_IF_OUTCOME:
                    super.visitVarInsn(Opcodes.ALOAD, entered);
                    super.visitTypeInsn(Opcodes.INSTANCEOF, OUTCOME);
                    super.visitJumpInsn(Opcodes.IFEQ, run);
                    break;
                default:
                    throw new IllegalStateException(String.valueOf(hook.onEnter));
            }
            // skipped
            if (hook.exit != null) {
                super.visitInsn(Opcodes.ACONST_NULL);
                super.visitVarInsn(Opcodes.ASTORE, entered + 1);
                super.visitInsn(Opcodes.ACONST_NULL);
                super.visitVarInsn(Opcodes.ASTORE, entered + 2);
                super.visitJumpInsn(Opcodes.GOTO, exit);
            } else if (returnType.getSort() == Type.VOID) {
                super.visitInsn(Opcodes.RETURN);
            } else {
                super.visitVarInsn(Opcodes.ALOAD, entered);
                returnUnwrapped();
            }
            super.visitLabel(run);
        }

        // ---- the body, its locals moved up by three

        private int shifted(int slot) {
            return slot >= entered ? slot + OWN_LOCALS : slot;
        }

        @Override
        public void visitVarInsn(int opcode, int var) {
            super.visitVarInsn(opcode, shifted(var));
        }

        @Override
        public void visitIincInsn(int var, int increment) {
            super.visitIincInsn(shifted(var), increment);
        }

        @Override
        public void visitLocalVariable(String name, String descriptor, String signature, Label start, Label end,
                                       int index) {
            super.visitLocalVariable(name, descriptor, signature, start, end, shifted(index));
        }

        @Override
        public org.objectweb.asm.AnnotationVisitor visitLocalVariableAnnotation(int typeRef,
                org.objectweb.asm.TypePath typePath, Label[] start, Label[] end, int[] index, String descriptor,
                boolean visible) {
            int[] moved = new int[index.length];
            for (int i = 0; i < index.length; i++) {
                moved[i] = shifted(index[i]);
            }
            return super.visitLocalVariableAnnotation(typeRef, typePath, start, end, moved, descriptor, visible);
        }

        @Override
        public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
            if (type != Opcodes.F_NEW) {
                throw new IllegalStateException("compressed frame in " + owner + "." + name);
            }
            List<Object> locals = new ArrayList<>(numLocal + OWN_LOCALS);
            int i = 0;
            int slot = 0;
            while (i < numLocal && slot < entered) {
                Object t = local[i++];
                locals.add(t);
                slot += t == Opcodes.LONG || t == Opcodes.DOUBLE ? 2 : 1;
            }
            for (; slot < entered; slot++) {
                locals.add(Opcodes.TOP);
            }
            locals.add(enteredType);
            locals.add(Opcodes.TOP);
            locals.add(Opcodes.TOP);
            for (; i < numLocal; i++) {
                locals.add(local[i]);
            }
            super.visitFrame(Opcodes.F_NEW, locals.size(), locals.toArray(), numStack, stack);
        }

        @Override
        public void visitInsn(int opcode) {
            if (hook.exit != null && (opcode == Opcodes.ARETURN || opcode == Opcodes.RETURN)) {
                if (opcode == Opcodes.RETURN) {
                    super.visitInsn(Opcodes.ACONST_NULL);
                }
                super.visitVarInsn(Opcodes.ASTORE, entered + 1);
                super.visitInsn(Opcodes.ACONST_NULL);
                super.visitVarInsn(Opcodes.ASTORE, entered + 2);
                super.visitJumpInsn(Opcodes.GOTO, exit);
                return;
            }
            super.visitInsn(opcode);
        }

        // ---- the exit block, after the body

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            if (hook.exit != null) {
                exitBlock();
            }
            int calls = 0;
            for (Hook.Call call : calls(hook)) {
                calls = Math.max(calls, call.args.size());
            }
            super.visitMaxs(Math.max(maxStack + 1, calls + 2), maxLocals + OWN_LOCALS);
        }

        private void exitBlock() {
            Label bodyEnd = new Label();
            super.visitLabel(bodyEnd);
            List<Object> atExit = locals(enteredType, OBJECT, THROWABLE);
            if (hook.onThrowable) {
                Label handler = new Label();
                // Registered last, so the body's own handlers keep their precedence.
                super.visitTryCatchBlock(bodyStart, bodyEnd, handler, THROWABLE);
                super.visitLabel(handler);
                frame(locals(enteredType, Opcodes.TOP, Opcodes.TOP), THROWABLE);
                super.visitVarInsn(Opcodes.ASTORE, entered + 2);
                super.visitInsn(Opcodes.ACONST_NULL);
                super.visitVarInsn(Opcodes.ASTORE, entered + 1);
            }
            super.visitLabel(exit);
            frame(atExit);
            Label start = new Label();
            Label end = new Label();
            Label failed = new Label();
            Label complete = new Label();
            super.visitTryCatchBlock(start, end, failed, THROWABLE);
            super.visitLabel(start);
            call(hook.exit);
            super.visitLabel(end);
            boolean decides = Type.getReturnType(hook.exit.descriptor).getSort() != Type.VOID;
            Label apply = new Label();
            super.visitJumpInsn(Opcodes.GOTO, decides ? apply : complete);
            super.visitLabel(failed);
            frame(atExit, THROWABLE);
            super.visitInsn(Opcodes.POP);
            super.visitJumpInsn(Opcodes.GOTO, complete);
            if (decides) {
                // O on the stack: an outcome decides; else THR is rethrown, or O returned.
                Label plain = new Label();
                Label value = new Label();
                super.visitLabel(apply);
                frame(atExit, OBJECT);
                super.visitInsn(Opcodes.DUP);
                super.visitTypeInsn(Opcodes.INSTANCEOF, OUTCOME);
                super.visitJumpInsn(Opcodes.IFEQ, plain);
                returnUnwrapped();
                super.visitLabel(plain);
                frame(atExit, OBJECT);
                super.visitVarInsn(Opcodes.ALOAD, entered + 2);
                super.visitJumpInsn(Opcodes.IFNULL, value);
                super.visitVarInsn(Opcodes.ALOAD, entered + 2);
                super.visitInsn(Opcodes.ATHROW);
                super.visitLabel(value);
                frame(atExit, OBJECT);
                returnTop();
            }
            Label returns = new Label();
            super.visitLabel(complete);
            frame(atExit);
            super.visitVarInsn(Opcodes.ALOAD, entered + 2);
            super.visitJumpInsn(Opcodes.IFNULL, returns);
            super.visitVarInsn(Opcodes.ALOAD, entered + 2);
            super.visitInsn(Opcodes.ATHROW);
            super.visitLabel(returns);
            frame(atExit);
            super.visitVarInsn(Opcodes.ALOAD, entered + 1);
            returnTop();
        }

        /** Returns the object on the stack (an outcome is unwrapped: its value, or its error thrown). */
        private void returnUnwrapped() {
            super.visitMethodInsn(Opcodes.INVOKESTATIC, OUTCOME, "unwrap", "(Ljava/lang/Object;)Ljava/lang/Object;",
                    false);
            returnTop();
        }

        /** Returns the object on the stack as the method's type (dropped for void). */
        private void returnTop() {
            if (returnType.getSort() == Type.VOID) {
                super.visitInsn(Opcodes.POP);
                super.visitInsn(Opcodes.RETURN);
            } else {
                super.visitTypeInsn(Opcodes.CHECKCAST, returnType.getInternalName());
                super.visitInsn(Opcodes.ARETURN);
            }
        }

        // ---- calls into the bridge

        private void call(Hook.Call call) {
            for (Hook.Arg arg : call.args) {
                load(arg);
            }
            super.visitMethodInsn(Opcodes.INVOKESTATIC, call.owner, call.name, call.descriptor, false);
        }

        private void load(Hook.Arg arg) {
            switch (arg.kind) {
                case THIS:
                    super.visitVarInsn(Opcodes.ALOAD, 0);
                    break;
                case ARGUMENT:
                    loadArgument(arg.index);
                    break;
                case FIRST_ARGUMENT_OR_NULL:
                    if (argTypes.length == 0) {
                        super.visitInsn(Opcodes.ACONST_NULL);
                    } else {
                        loadArgument(0);
                    }
                    break;
                case FIELD:
                    String descriptor = fields.get(arg.field);
                    super.visitVarInsn(Opcodes.ALOAD, 0);
                    super.visitFieldInsn(Opcodes.GETFIELD, owner, arg.field,
                            descriptor != null ? descriptor : arg.inheritedDescriptor);
                    break;
                case METHOD_NAME:
                    super.visitLdcInsn(name);
                    break;
                case ENTERED:
                    super.visitVarInsn(enteredType == Opcodes.INTEGER ? Opcodes.ILOAD : Opcodes.ALOAD, entered);
                    break;
                case RETURNED:
                    super.visitVarInsn(Opcodes.ALOAD, entered + 1);
                    break;
                case THROWN:
                    super.visitVarInsn(Opcodes.ALOAD, entered + 2);
                    break;
                default:
                    throw new IllegalStateException(String.valueOf(arg.kind));
            }
        }

        private void loadArgument(int index) {
            int slot = isStatic ? 0 : 1;
            for (int i = 0; i < index; i++) {
                slot += argTypes[i].getSize();
            }
            super.visitVarInsn(argTypes[index].getOpcode(Opcodes.ILOAD), slot);
        }

        // ---- frames

        private List<Object> locals(Object e, Object ret, Object thr) {
            List<Object> locals = new ArrayList<>(initial);
            locals.add(e);
            locals.add(ret);
            locals.add(thr);
            return locals;
        }

        private void frame(List<Object> locals, Object... stack) {
            if (frames) {
                super.visitFrame(Opcodes.F_NEW, locals.size(), locals.toArray(), stack.length, stack);
            }
        }

        private static Object frameType(Type t) {
            switch (t.getSort()) {
                case Type.BOOLEAN:
                case Type.BYTE:
                case Type.CHAR:
                case Type.SHORT:
                case Type.INT:
                    return Opcodes.INTEGER;
                case Type.FLOAT:
                    return Opcodes.FLOAT;
                case Type.LONG:
                    return Opcodes.LONG;
                case Type.DOUBLE:
                    return Opcodes.DOUBLE;
                case Type.ARRAY:
                    return t.getDescriptor();
                default:
                    return t.getInternalName();
            }
        }
    }
}
