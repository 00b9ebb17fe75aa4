package dev.rtbe.agent.it.apps.contract;

import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.apache.hc.core5.util.VersionInfo;

/**
 * Apache HttpClient 5 classic: {@code execute} handing back the response, the entity's stream, the
 * response closed when done (the call every 5.x has; 5.2's {@code executeOpen} is the same).
 */
final class Apache5ClassicDriver implements ClientDriver {
    private final CloseableHttpClient client = HttpClients.custom().setConnectionManager(
            PoolingHttpClientConnectionManagerBuilder.create().setMaxConnPerRoute(20).setMaxConnTotal(40).build()).build();

    @Override
    public String describe() {
        return "apache5 classic " + VersionInfo.getSoftwareInfo("Apache-HttpClient", "org.apache.hc.client5", getClass());
    }

    @Override
    @SuppressWarnings("deprecation") // execute(request) is the one that exists from 5.0 on
    public String exchange(Call call, Read read, Canceller canceller) throws Exception {
        HttpPost post = new HttpPost(call.chatUrl());
        post.setEntity(new StringEntity(call.json(), ContentType.APPLICATION_JSON));
        if (call.priority() != null) {
            post.addHeader("X-Rtbe-Priority", call.priority());
        }
        if (call.timeoutMs() > 0) {
            post.setConfig(RequestConfig.custom().setConnectionRequestTimeout(Timeout.ofMilliseconds(call.timeoutMs())).build());
        }
        canceller.set(post::cancel);
        CloseableHttpResponse response = client.execute(post);
        return Bodies.read(response.getEntity().getContent(), read, response);
    }

    @Override
    public void close() {
        client.close(CloseMode.IMMEDIATE);
    }
}
