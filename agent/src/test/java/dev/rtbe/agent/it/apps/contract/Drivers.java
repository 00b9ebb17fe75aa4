package dev.rtbe.agent.it.apps.contract;

/** The client variants by name (the test's rows). */
final class Drivers {
    private Drivers() {}

    static ClientDriver create(String name) {
        switch (name) {
            case "jdk-send-string": return new JdkDriver(false, "string");
            case "jdk-send-bytes": return new JdkDriver(false, "bytes");
            case "jdk-send-input-stream": return new JdkDriver(false, "input-stream");
            case "jdk-send-publisher": return new JdkDriver(false, "publisher");
            case "jdk-sendAsync-string": return new JdkDriver(true, "string");
            case "jdk-sendAsync-publisher": return new JdkDriver(true, "publisher");
            case "okhttp-execute": return new OkHttpDriver(false);
            case "okhttp-enqueue": return new OkHttpDriver(true);
            case "apache5-classic": return new Apache5ClassicDriver();
            case "apache5-async": return new Apache5AsyncDriver(false);
            case "apache5-async-entity": return new Apache5AsyncDriver(true);
            case "urlconnection": return new UrlConnectionDriver();
            case "reactor-netty": return new ReactorNettyDriver();
            case "webclient": return new WebClientDriver();
            case "restclient": return new RestClientDriver();
            case "langchain4j": return new Langchain4jDriver();
            case "ollama4j": return new Ollama4jDriver();
            case "spring-ai-jdk": return new SpringAiDriver(false);
            case "spring-ai-reactor-netty": return new SpringAiDriver(true);
            default: throw new IllegalArgumentException("no driver " + name);
        }
    }
}
