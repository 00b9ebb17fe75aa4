package dev.rtbe.agent.http.urlconnection;

import java.io.ByteArrayOutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The few private parts of {@code sun.net.www.protocol.http.HttpURLConnection} the agent needs,
 * through method handles made from a lookup the advice creates inside that class (so no module
 * has to be opened): whether the request is in streaming mode, the body the JDK buffers in memory
 * when it is not, and removing a request header, which the public API cannot do.
 */
final class SunHttpAccess {
    static final String CONNECTION = "sun.net.www.protocol.http.HttpURLConnection";

    private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);

    private final MethodHandle requests;
    private final MethodHandle userHeaders;
    private final MethodHandle remove;
    private final MethodHandle poster;
    private final MethodHandle streaming;

    private SunHttpAccess(MethodHandle requests, MethodHandle userHeaders, MethodHandle remove, MethodHandle poster,
                          MethodHandle streaming) {
        this.requests = requests;
        this.userHeaders = userHeaders;
        this.remove = remove;
        this.poster = poster;
        this.streaming = streaming;
    }

    /** @param lookup a lookup made inside the JDK's connection class (full privilege in java.base) */
    static SunHttpAccess from(MethodHandles.Lookup lookup) throws ReflectiveOperationException {
        Class<?> connection = lookup.findClass(CONNECTION);
        MethodHandles.Lookup inside = MethodHandles.privateLookupIn(connection, lookup);
        Class<?> headers = inside.findClass("sun.net.www.MessageHeader");
        Class<?> posterType = inside.findClass("sun.net.www.http.PosterOutputStream");
        return new SunHttpAccess(
                inside.findGetter(connection, "requests", headers).asType(GETTER),
                inside.findGetter(connection, "userHeaders", headers).asType(GETTER),
                inside.findVirtual(headers, "remove", MethodType.methodType(void.class, String.class))
                        .asType(MethodType.methodType(void.class, Object.class, String.class)),
                inside.findGetter(connection, "poster", posterType).asType(GETTER),
                inside.findVirtual(connection, "streaming", MethodType.methodType(boolean.class))
                        .asType(MethodType.methodType(boolean.class, Object.class)));
    }

    /** Fixed-length or chunked mode: the request head goes out with {@code getOutputStream()}. */
    boolean streaming(Object connection) {
        try {
            return (boolean) streaming.invokeExact(connection);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * The body written so far to the JDK's in-memory buffer (default, non-streaming mode), or null
     * when there is none or it is longer than {@code maxBytes}. A copy: the JDK sends its own.
     */
    byte[] bufferedBody(Object connection, int maxBytes) {
        Object buffer;
        try {
            buffer = (Object) poster.invokeExact(connection);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (!(buffer instanceof ByteArrayOutputStream)) {
            return null;
        }
        ByteArrayOutputStream bytes = (ByteArrayOutputStream) buffer;
        return bytes.size() > maxBytes ? null : bytes.toByteArray();
    }

    /** Removes every value of a request header, from what is sent and from what the JDK remembers. */
    void removeHeader(Object connection, String name) {
        try {
            Object sent = (Object) requests.invokeExact(connection);
            Object userSet = (Object) userHeaders.invokeExact(connection);
            remove.invokeExact(sent, name);
            remove.invokeExact(userSet, name);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
