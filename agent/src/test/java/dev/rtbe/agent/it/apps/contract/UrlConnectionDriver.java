package dev.rtbe.agent.it.apps.contract;

import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** {@code HttpURLConnection}: fixed-length POST body, {@code getInputStream}, the stream closed when done. */
final class UrlConnectionDriver implements ClientDriver {
    @Override
    public String describe() {
        return "urlconnection " + Runtime.version();
    }

    @Override
    public String exchange(Call call, Read read, Canceller canceller) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(call.chatUrl()).toURL().openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        if (call.priority() != null) {
            c.setRequestProperty("X-Rtbe-Priority", call.priority());
        }
        if (call.timeoutMs() > 0) {
            c.setConnectTimeout((int) call.timeoutMs());
        }
        Thread caller = Thread.currentThread();
        canceller.set(caller::interrupt);
        byte[] body = call.json().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = c.getOutputStream()) {
            out.write(body);
        }
        java.io.InputStream in = c.getInputStream();
        return Bodies.read(in, read, in);
    }
}
