package dev.rtbe.agent.it;

import java.util.stream.Stream;

/**
 * The rows of the client contract suite and what each cannot do. README.md's client table says
 * the same in prose; keep them together.
 */
final class ClientVariants {
    private static final String SPRING_AI = "client-versions/spring-ai-1.1";

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
                ClientVariant.of("restclient", "spring-web-7."),
                ClientVariant.of("langchain4j", "langchain4j-ollama-1.18.1"),
                ClientVariant.of("ollama4j", "ollama4j-1.1.6"),
                ClientVariant.onJars("spring-ai-jdk", "spring-ai-jdk", SPRING_AI, "spring-ai-ollama-1.1.2.jar spring-web-6.2."),
                ClientVariant.onJars("spring-ai-reactor-netty", "spring-ai-reactor-netty", SPRING_AI,
                        "spring-ai-ollama-1.1.2.jar spring-web-6.2."));
    }

    /** The newest versions are the main rows' (OkHttp 4.12, Apache 5.6, Reactor Netty 1.3). */
    static Stream<ClientVariant> versionMatrix() {
        return Stream.of(
                ClientVariant.onJars("okhttp-3-execute", "okhttp-execute", "client-versions/okhttp3", "okhttp-3.14.9"),
                ClientVariant.onJars("okhttp-3-enqueue", "okhttp-enqueue", "client-versions/okhttp3", "okhttp-3.14.9"),
                ClientVariant.onJars("okhttp-5-execute", "okhttp-execute", "client-versions/okhttp5", "okhttp-5.5.1"),
                ClientVariant.onJars("okhttp-5-enqueue", "okhttp-enqueue", "client-versions/okhttp5", "okhttp-5.5.1"),
                ClientVariant.onJars("apache5-oldest-classic", "apache5-classic", "client-versions/apache5-oldest",
                        "Apache-HttpClient/5.0.4"),
                ClientVariant.onJars("apache5-oldest-async", "apache5-async", "client-versions/apache5-oldest",
                        "Apache-HttpClient/5.0.4"),
                ClientVariant.onJars("reactor-netty-oldest", "reactor-netty", "client-versions/reactor-netty-oldest",
                        "reactor-netty-http-1.2.16"));
    }
}
