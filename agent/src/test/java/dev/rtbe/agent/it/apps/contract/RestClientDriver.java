package dev.rtbe.agent.it.apps.contract;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.time.Duration;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

/**
 * Spring's {@code RestClient} on the JDK {@code HttpClient} ({@code JdkClientHttpRequestFactory}):
 * {@code retrieve().body(String)}, or {@code exchange} reading the body stream.
 */
final class RestClientDriver implements ClientDriver {
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
    private final RestClient client = RestClient.builder().requestFactory(new JdkClientHttpRequestFactory(http)).build();

    @Override
    public String describe() {
        return "restclient " + RestClient.class.getProtectionDomain().getCodeSource().getLocation().getPath()
                .replaceAll(".*/", "");
    }

    @Override
    public String exchange(Call call, Read read, Canceller canceller) throws Exception {
        RestClient c = client;
        if (call.timeoutMs() > 0) {
            JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(http);
            factory.setReadTimeout(Duration.ofMillis(call.timeoutMs()));
            c = client.mutate().requestFactory(factory).build();
        }
        RestClient.RequestBodySpec spec = c.post().uri(call.chatUrl()).contentType(MediaType.APPLICATION_JSON);
        if (call.priority() != null) {
            spec = spec.header("X-Rtbe-Priority", call.priority());
        }
        spec = spec.body(call.json());
        Thread caller = Thread.currentThread();
        canceller.set(caller::interrupt);
        if (read == Read.ALL) {
            return spec.retrieve().body(String.class);
        }
        return spec.exchange((request, response) -> {
            InputStream in = response.getBody();
            return Bodies.read(in, read, response);
        }, true);
    }
}
