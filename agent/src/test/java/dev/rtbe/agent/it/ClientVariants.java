package dev.rtbe.agent.it;

import java.util.stream.Stream;

/**
 * The rows of the client contract suite and what each cannot do. README.md's client table says
 * the same in prose; keep them together. Known failures name the agent change that will make them
 * pass; none now.
 */
final class ClientVariants {
    private static final String SPRING_AI = "client-versions/spring-ai-1.1";

    private static final String OKHTTP3_307 = "OkHttp 3 follows a 307 only for GET and HEAD (4.x follows it for POST)";

    private ClientVariants() {}

    static Stream<ClientVariant> main() {
        return Stream.of(
                ClientVariant.of("jdk-send-string", "jdk send string"),
                ClientVariant.of("jdk-send-publisher", "jdk send publisher"),
                ClientVariant.of("jdk-sendAsync-string", "jdk sendAsync string"),
                ClientVariant.of("okhttp-execute", "okhttp-4."),
                ClientVariant.of("okhttp-enqueue", "okhttp-4."),
                ClientVariant.of("urlconnection", "urlconnection")
                        .cannot("preempt", "an HttpURLConnection is one exchange the application holds with its streams: it cannot be sent again"),
                ClientVariant.of("apache5-classic", "Apache-HttpClient"),
                ClientVariant.of("apache5-async", "Apache-HttpClient"),
                ClientVariant.of("reactor-netty", "reactor-netty-http-"),
                ClientVariant.of("webclient", "spring-webflux-7."),
                ClientVariant.of("restclient", "spring-web-7."),
                ClientVariant.of("langchain4j", "langchain4j-ollama-1.18.1")
                        .cannot("reader-throws", "langchain4j catches an exception thrown by the stream handler and reads on"),
                ClientVariant.of("ollama4j", "ollama4j-1.1.6")
                        .cannot("classify-header", "ollama4j sets no per-request header")
                        .cannot("early-close", "ollama4j has no way to stop a stream but throwing from the handler (reader-throws)")
                        .cannot("redirect", "ollama4j's HttpClient (a new one per call) never follows redirects"),
                ClientVariant.onJars("spring-ai-jdk", "spring-ai-jdk", SPRING_AI, "spring-ai-ollama-1.1.2.jar spring-web-6.2."),
                ClientVariant.onJars("spring-ai-reactor-netty", "spring-ai-reactor-netty", SPRING_AI,
                                "spring-ai-ollama-1.1.2.jar spring-web-6.2."));
    }

    /**
     * Rows that run only when named with {@code -Drtbe.contract.only}, while a fault of theirs is
     * looked into; none now.
     */
    static Stream<ClientVariant> quarantined() {
        return Stream.of();
    }

    /**
     * The other request-body kinds of the JDK client and of Apache's async client, and the oldest
     * and newest versions of the others (the newest are the main rows': OkHttp 4.12, Apache 5.6, Reactor Netty 1.3).
     */
    static Stream<ClientVariant> versionMatrix() {
        return Stream.of(
                ClientVariant.of("jdk-send-bytes", "jdk send bytes"),
                ClientVariant.of("jdk-send-input-stream", "jdk send input-stream"),
                ClientVariant.of("jdk-sendAsync-publisher", "jdk sendAsync publisher"),
                ClientVariant.of("apache5-async-entity", "streamed entity Apache-HttpClient"),
                ClientVariant.onJars("okhttp-3-execute", "okhttp-execute", "client-versions/okhttp3", "okhttp-3.14.9")
                        .cannot("redirect", OKHTTP3_307),
                ClientVariant.onJars("okhttp-3-enqueue", "okhttp-enqueue", "client-versions/okhttp3", "okhttp-3.14.9")
                        .cannot("redirect", OKHTTP3_307),
                ClientVariant.onJars("okhttp-5-execute", "okhttp-execute", "client-versions/okhttp5", "okhttp-jvm-5.5.1"),
                ClientVariant.onJars("okhttp-5-enqueue", "okhttp-enqueue", "client-versions/okhttp5", "okhttp-jvm-5.5.1"),
                ClientVariant.onJars("apache5-oldest-classic", "apache5-classic", "client-versions/apache5-oldest",
                        "Apache-HttpClient/5.0.4"),
                ClientVariant.onJars("apache5-oldest-async", "apache5-async", "client-versions/apache5-oldest",
                        "Apache-HttpClient/5.0.4"),
                ClientVariant.onJars("reactor-netty-oldest", "reactor-netty", "client-versions/reactor-netty-oldest",
                        "reactor-netty-http-1.2.16"));
    }
}
