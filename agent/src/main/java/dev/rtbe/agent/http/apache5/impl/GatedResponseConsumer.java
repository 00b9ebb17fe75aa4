package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
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

/** The application's consumer, unchanged, with the call watching the response and its bytes go by. */
final class GatedResponseConsumer<T> implements AsyncResponseConsumer<T> {
    private final AsyncResponseConsumer<T> delegate;
    private final GatedCall call;

    GatedResponseConsumer(AsyncResponseConsumer<T> delegate, GatedCall call) {
        this.delegate = delegate;
        this.call = call;
    }

    @Override
    public void consumeResponse(HttpResponse response, EntityDetails entity, HttpContext context,
                                FutureCallback<T> resultCallback) throws HttpException, IOException {
        call.onResponse(response.getCode(), entity != null ? entity.getContentType() : header(response, "Content-Type"),
                entity != null ? entity.getContentEncoding() : header(response, "Content-Encoding"));
        delegate.consumeResponse(response, entity, context, resultCallback);
    }

    @Override
    public void informationResponse(HttpResponse response, HttpContext context) throws HttpException, IOException {
        delegate.informationResponse(response, context);
    }

    @Override
    public void updateCapacity(CapacityChannel capacityChannel) throws IOException {
        delegate.updateCapacity(capacityChannel);
    }

    @Override
    public void consume(ByteBuffer src) throws IOException {
        if (call.outcome() == Outcome.CANCELLED) {
            // The application cancelled the call: the client does not always cut a cancelled exchange at
            // once; failing it here makes it close the connection, so the server frees the slot.
            throw new IOException("rtbe: the call was cancelled");
        }
        call.onBytes(src.duplicate()); // a view: the application's consumer gets the buffer untouched
        delegate.consume(src);
    }

    @Override
    public void streamEnd(List<? extends Header> trailers) throws HttpException, IOException {
        delegate.streamEnd(trailers);
    }

    @Override
    public void failed(Exception cause) {
        call.finish(Outcome.FAILED, cause);
        delegate.failed(cause);
    }

    @Override
    public void releaseResources() {
        delegate.releaseResources();
    }

    private static String header(HttpResponse response, String name) {
        Header h = response.getFirstHeader(name);
        return h == null ? null : h.getValue();
    }
}
