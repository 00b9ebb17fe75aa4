package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.PreemptionHandle;
import dev.rtbe.agent.resume.ChatStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The response consumer of one attempt of a preemptible async call. A response that may reach the
 * application (the offer ended first) goes to the application's consumer as it came, watched by the
 * call; one that lost the race to a preemption is dropped. With a {@link ChatStream} (a call sent as
 * a stream under the hood) a 200 stream is read here instead, never by the application, and the
 * exchange completes with {@link #STREAMED}. What the client tells the application's consumer of a
 * preempted attempt (its failure, its release) is not passed on: the consumer serves the next one.
 */
final class AttemptConsumer implements AsyncResponseConsumer<Object> {
    /** The result of an exchange whose stream was read here. */
    static final Object STREAMED = new Object();

    private enum Mode { NONE, APPLICATION, STREAM, DROPPED }

    private final AsyncResponseConsumer<Object> application;
    private final GatedCall call;
    private final PreemptionHandle<?> attempt;
    private final ChatStream stream;
    private volatile Mode mode = Mode.NONE;
    private volatile HttpResponse streamed;
    private volatile FutureCallback<Object> streamDone;
    private volatile boolean toldFailure;
    /** Guarded by this: no more bytes for the stream (its attempt was cut). */
    private boolean closed;

    @SuppressWarnings("unchecked")
    AttemptConsumer(AsyncResponseConsumer<?> application, GatedCall call, PreemptionHandle<?> attempt, ChatStream stream) {
        this.application = (AsyncResponseConsumer<Object>) application;
        this.call = call;
        this.attempt = attempt;
        this.stream = stream;
    }

    /**
     * Stops taking bytes (the attempt was cut): after it the stream's state is safe to read on the
     * calling thread, whichever thread the client still delivers bytes on. The monitor only orders
     * the stream's updates with this; nothing waits under it.
     */
    synchronized void close() {
        closed = true;
    }

    /** The status line and headers of the stream read here, or null. */
    HttpResponse streamed() {
        return streamed;
    }

    @Override
    public void consumeResponse(HttpResponse response, EntityDetails entity, HttpContext context,
                                FutureCallback<Object> resultCallback) throws HttpException, IOException {
        String type = entity != null ? entity.getContentType() : header(response, "Content-Type");
        if (stream != null && isStream(response, entity, type)) {
            mode = Mode.STREAM;
            streamed = response;
            streamDone = resultCallback;
            call.onResponse(response.getCode(), type, null);
            return;
        }
        if (!attempt.responseArrived()) {
            mode = Mode.DROPPED; // preempted first: its exchange is being cancelled
            return;
        }
        mode = Mode.APPLICATION;
        call.onResponse(response.getCode(), type,
                entity != null ? entity.getContentEncoding() : header(response, "Content-Encoding"));
        application.consumeResponse(response, entity, context, resultCallback);
    }

    private static boolean isStream(HttpResponse response, EntityDetails entity, String type) {
        return entity != null && ChatStream.isReadableStream(response.getCode(), type, entity.getContentEncoding());
    }

    @Override
    public void informationResponse(HttpResponse response, HttpContext context) throws HttpException, IOException {
        if (mode == Mode.NONE || mode == Mode.APPLICATION) {
            application.informationResponse(response, context);
        }
    }

    @Override
    public void updateCapacity(CapacityChannel capacityChannel) throws IOException {
        if (mode == Mode.APPLICATION) {
            application.updateCapacity(capacityChannel);
        } else {
            capacityChannel.update(Integer.MAX_VALUE);
        }
    }

    @Override
    public void consume(ByteBuffer src) throws IOException {
        if (attempt.aborted()) {
            // A cancelled exchange is not always cut at once by the client; failing it here makes it close
            // the connection, so the server frees the slot.
            throw new IOException("rtbe: the attempt was preempted");
        }
        Mode m = mode;
        if (m == Mode.APPLICATION) {
            call.onBytes(src.duplicate()); // a view: the application's consumer gets the buffer untouched
            application.consume(src);
            return;
        }
        if (m == Mode.STREAM) {
            synchronized (this) {
                if (!closed) {
                    stream.onBytes(src);
                    call.onBytes(src.duplicate());
                }
            }
            call.reportProgress(stream.tokens());
        }
        src.position(src.limit());
    }

    @Override
    public void streamEnd(List<? extends Header> trailers) throws HttpException, IOException {
        Mode m = mode;
        if (m == Mode.APPLICATION) {
            application.streamEnd(trailers);
        } else if (m == Mode.STREAM) {
            synchronized (this) {
                if (!closed) {
                    stream.onEnd();
                }
            }
            streamDone.completed(STREAMED);
        }
    }

    @Override
    public void failed(Exception cause) {
        if (!attempt.preempted()) {
            toldFailure = true;
            application.failed(cause);
        }
    }

    @Override
    public void releaseResources() {
        // A stream read here: the application's consumer gets the answer (and its release) later.
        if (!attempt.preempted() && (mode != Mode.STREAM || toldFailure)) {
            application.releaseResources();
        }
    }

    private static String header(HttpResponse response, String name) {
        Header h = response.getFirstHeader(name);
        return h == null ? null : h.getValue();
    }
}
