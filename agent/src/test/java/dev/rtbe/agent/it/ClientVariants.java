package dev.rtbe.agent.it;

import java.util.stream.Stream;

/**
 * The rows of the client contract suite and what each cannot do. README.md's client table says
 * the same in prose; keep them together.
 */
final class ClientVariants {
    private ClientVariants() {}

    static Stream<ClientVariant> main() {
        return Stream.of(
                ClientVariant.of("jdk-send-string", "jdk send string"),
                ClientVariant.of("jdk-send-bytes", "jdk send bytes"),
                ClientVariant.of("jdk-send-input-stream", "jdk send input-stream"),
                ClientVariant.of("jdk-send-publisher", "jdk send publisher"),
                ClientVariant.of("jdk-sendAsync-string", "jdk sendAsync string"),
                ClientVariant.of("jdk-sendAsync-publisher", "jdk sendAsync publisher"),
                ClientVariant.of("okhttp-execute", "okhttp-4."),
                ClientVariant.of("okhttp-enqueue", "okhttp-4."),
                ClientVariant.of("apache5-classic", "Apache-HttpClient"),
                ClientVariant.of("apache5-async", "Apache-HttpClient"),
                ClientVariant.of("urlconnection", "urlconnection"),
                ClientVariant.of("reactor-netty", "reactor-netty-http-"),
                ClientVariant.of("webclient", "spring-webflux-7."),
                ClientVariant.of("restclient", "spring-web-7."));
    }

    static Stream<ClientVariant> versionMatrix() {
        return Stream.of(
                ClientVariant.onJars("okhttp-3-execute", "okhttp-execute", "client-versions/okhttp3", "okhttp-3."),
                ClientVariant.onJars("okhttp-5-enqueue", "okhttp-enqueue", "client-versions/okhttp5", "okhttp-jvm-5."));
    }
}
