package dev.rtbe.agent.http.urlconnection;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.http.AdviceOutcome;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.net.HttpURLConnection;

/**
 * What the hooks woven into {@code sun.net.www.protocol.http.HttpURLConnection} call. Only the
 * outermost hooked method on a thread acts: the JDK calls {@code getInputStream()} from inside its
 * own methods ({@code getHeaderField}, redirects), and so does the agent when it reads the response
 * head. Every failure of the agent's own is swallowed: the connection then works as without it.
 */
public final class UrlConnectionBridge {
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private static volatile SunHttpAccess access;
    private static volatile boolean accessFailed;

    private UrlConnectionBridge() {}

    /**
     * True until the access to the JDK class is set up (or known impossible). Every thread that
     * sees true hands a lookup to {@link #grant} before it enters, where the set-up is serialised,
     * so no first call slips through ungated while another thread is still setting up.
     */
    public static boolean needsLookup() {
        return access == null && !accessFailed;
    }

    /** Sets up the access once, from a lookup made inside the JDK's connection class. */
    public static synchronized void grant(MethodHandles.Lookup lookup) {
        if (!needsLookup()) {
            return;
        }
        try {
            access = SunHttpAccess.from(lookup);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            accessFailed = true;
            AgentRuntime runtime = AgentRuntime.current();
            if (runtime != null) {
                runtime.log().warn("HttpURLConnection stays ungated: this JDK's connection class is not as expected: " + e);
            }
        }
    }

    /**
     * On entry to getInputStream/getOutputStream: null to go on, the IOException to throw, or
     * (getOutputStream in streaming mode) the stream to return instead.
     * {@code lookup} is made by the advice inside the JDK class while {@link #needsLookup()}, else null.
     */
    public static Object enter(Object connection, boolean output, MethodHandles.Lookup lookup) {
        int[] depth = DEPTH.get();
        if (depth[0]++ > 0) {
            return null;
        }
        if (lookup != null) {
            grant(lookup);
        }
        SunHttpAccess a = access;
        if (a == null || !(connection instanceof HttpURLConnection)) {
            return null;
        }
        try {
            return UrlConnectionGate.beforeSend((HttpURLConnection) connection, output, a);
        } catch (RuntimeException | LinkageError agentFault) {
            return null; // fail open: sent ungated
        }
    }

    /** On entry to getInputStream: null to go on, or the IOException to throw. */
    public static Object enterInput(Object connection) {
        return enter(connection, false, null);
    }

    /** On entry to getOutputStream: null to go on, the IOException to throw, or the stream to return. */
    public static Object enterOutput(Object connection) {
        return enter(connection, true, null);
    }

    /**
     * On exit from getInputStream (always, also when {@code entered} skipped it): the failure from
     * the entry to throw, else the body to return (the original's throwable, if any, still stands).
     */
    public static Object afterInput(Object connection, Object entered, Object body, Throwable thrown, int status) {
        Object result = exitInput(connection, body, thrown, status);
        return isFailure(entered) ? AdviceOutcome.failed((Throwable) entered) : result;
    }

    /** On exit from getOutputStream (always): the failure from the entry, the held stream, or the original's. */
    public static Object afterOutput(Object connection, Object entered, Object stream, Throwable thrown) {
        exitOutput(connection, thrown);
        if (isFailure(entered)) {
            return AdviceOutcome.failed((Throwable) entered);
        }
        return entered != null ? entered : stream; // streaming mode: the body is held until the call is decided
    }

    /** On exit from getInputStream (always, after {@link #enter}): the body to return. */
    public static Object exitInput(Object connection, Object body, Throwable thrown, int status) {
        int[] depth = DEPTH.get();
        try {
            if (depth[0] == 1 && connection instanceof HttpURLConnection) {
                return UrlConnectionGate.afterInput((HttpURLConnection) connection, body, thrown, status);
            }
        } catch (RuntimeException | LinkageError agentFault) {
            // the application gets the JDK's own stream
        } finally {
            leave(depth);
        }
        return body;
    }

    /** On exit from getOutputStream (always, after {@link #enter}). */
    public static void exitOutput(Object connection, Throwable thrown) {
        int[] depth = DEPTH.get();
        try {
            if (depth[0] == 1 && connection instanceof HttpURLConnection) {
                UrlConnectionGate.afterOutput((HttpURLConnection) connection, thrown);
            }
        } catch (RuntimeException | LinkageError agentFault) {
            // nothing to undo
        } finally {
            leave(depth);
        }
    }

    private static void leave(int[] depth) {
        if (depth[0] > 0) {
            depth[0]--;
        }
    }

    /** On entry to disconnect(). */
    public static void disconnect(Object connection) {
        try {
            if (connection instanceof HttpURLConnection) {
                UrlConnectionGate.disconnect((HttpURLConnection) connection);
            }
        } catch (RuntimeException | LinkageError agentFault) {
            // the JDK still disconnects
        }
    }

    /** The access to the JDK class, once set up; null before or when impossible. */
    static SunHttpAccess access() {
        return access;
    }

    /** Type check kept here so the advice needs no cast of its own. */
    public static boolean isFailure(Object enterValue) {
        return enterValue instanceof IOException;
    }
}
