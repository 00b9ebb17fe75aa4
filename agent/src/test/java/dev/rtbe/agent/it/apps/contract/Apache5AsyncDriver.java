package dev.rtbe.agent.it.apps.contract;

import java.net.URI;
import java.nio.CharBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.AbstractCharResponseConsumer;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.entity.StringAsyncEntityProducer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.apache.hc.core5.util.VersionInfo;

/**
 * Apache HttpClient 5 async: {@code execute} with a streaming character consumer. The application
 * gives a stream up by cancelling the future; its consumer may throw. The request body is a
 * {@code SimpleHttpRequest}'s bytes, or ({@code streamedEntity}) a {@code StringAsyncEntityProducer}
 * that the client streams (chunked), as {@code AsyncRequestBuilder} sends a text entity.
 */
final class Apache5AsyncDriver implements ClientDriver {
    private final CloseableHttpAsyncClient client = HttpAsyncClients.custom().setConnectionManager(
            PoolingAsyncClientConnectionManagerBuilder.create().setMaxConnPerRoute(20).setMaxConnTotal(40).build()).build();

    private final boolean streamedEntity;

    Apache5AsyncDriver(boolean streamedEntity) {
        this.streamedEntity = streamedEntity;
        client.start();
    }

    @Override
    public String describe() {
        return "apache5 async " + (streamedEntity ? "streamed entity " : "") + VersionInfo.getSoftwareInfo("Apache-HttpClient", "org.apache.hc.client5", getClass());
    }

    @Override
    public String exchange(Call call, Read read, Canceller canceller) throws Exception {
        // The constructor and setters every 5.x has (5.2's SimpleRequestBuilder builds the same request).
        SimpleHttpRequest request = new SimpleHttpRequest("POST", URI.create(call.chatUrl()));
        if (!streamedEntity) {
            request.setBody(call.json(), ContentType.APPLICATION_JSON);
        }
        if (call.priority() != null) {
            request.addHeader("X-Rtbe-Priority", call.priority());
        }
        if (call.timeoutMs() > 0) {
            request.setConfig(RequestConfig.custom().setConnectionRequestTimeout(Timeout.ofMilliseconds(call.timeoutMs())).build());
        }
        LineConsumer consumer = new LineConsumer(read == Read.THROW_WHILE_READING);
        AsyncRequestProducer producer = streamedEntity
                ? new BasicRequestProducer(request, new StringAsyncEntityProducer(call.json(), ContentType.APPLICATION_JSON))
                : SimpleRequestProducer.create(request);
        Future<String> f = client.execute(producer, consumer, null);
        canceller.set(() -> f.cancel(true));
        try {
            if (read == Read.FIRST_LINE_THEN_CLOSE) {
                String first = consumer.firstLine.get(60, TimeUnit.SECONDS);
                f.cancel(true);
                return first;
            }
            return f.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw Bodies.unwrap(e);
        }
    }

    @Override
    public void close() {
        client.close(CloseMode.IMMEDIATE);
    }

    /** Text as it arrives; the first line completes {@link #firstLine} (or throws, as a buggy consumer would). */
    private static final class LineConsumer extends AbstractCharResponseConsumer<String> {
        final CompletableFuture<String> firstLine = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final boolean throwOnFirstLine;

        LineConsumer(boolean throwOnFirstLine) {
            this.throwOnFirstLine = throwOnFirstLine;
        }

        @Override protected void start(HttpResponse response, ContentType contentType) {}
        @Override protected int capacityIncrement() { return Integer.MAX_VALUE; }

        @Override
        protected void data(CharBuffer src, boolean endOfStream) {
            text.append(src);
            int nl = text.indexOf("\n");
            if (nl >= 0 && !firstLine.isDone()) {
                firstLine.complete(text.substring(0, nl));
                if (throwOnFirstLine) {
                    throw new ClientDriver.ApplicationBug();
                }
            }
        }

        @Override protected String buildResult() { return text.toString(); }
        @Override public void releaseResources() {}
    }
}
