package dev.rtbe.agent.it.apps.contract;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * OkHttp, {@code execute} or {@code enqueue} (with a callback the calling thread waits on).
 * Compiled against OkHttp 4; the version matrix runs it on 3.x and 5.x in their own class loader.
 */
final class OkHttpDriver implements ClientDriver {
    private static final MediaType JSON = MediaType.parse("application/json");
    private final OkHttpClient client = new OkHttpClient.Builder().readTimeout(30, TimeUnit.SECONDS).build();
    private final boolean async;

    OkHttpDriver(boolean async) {
        this.async = async;
    }

    @Override
    public String describe() {
        return "okhttp " + (async ? "enqueue" : "execute") + " " + okhttp3.Call.class.getProtectionDomain()
                .getCodeSource().getLocation().getPath().replaceAll(".*/", "");
    }

    @Override
    public String exchange(Call call, Read read, Canceller canceller) throws Exception {
        Request.Builder b = new Request.Builder().url(call.chatUrl()).post(RequestBody.create(JSON, call.json()));
        if (call.priority() != null) {
            b.header("X-Rtbe-Priority", call.priority());
        }
        OkHttpClient c = call.timeoutMs() > 0
                ? client.newBuilder().callTimeout(call.timeoutMs(), TimeUnit.MILLISECONDS).build() : client;
        okhttp3.Call okCall = c.newCall(b.build());
        canceller.set(okCall::cancel);
        Response response = async ? enqueue(okCall) : okCall.execute();
        return Bodies.read(response.body().byteStream(), read, response);
    }

    private static Response enqueue(okhttp3.Call call) throws Exception {
        CompletableFuture<Response> response = new CompletableFuture<>();
        call.enqueue(new Callback() {
            @Override
            public void onFailure(okhttp3.Call c, IOException e) {
                response.completeExceptionally(e);
            }

            @Override
            public void onResponse(okhttp3.Call c, Response r) {
                response.complete(r);
            }
        });
        try {
            return response.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw Bodies.unwrap(e);
        }
    }
}
