package dev.rtbe.bench;

import dev.rtbe.agent.call.EndpointMatcher;
import dev.rtbe.agent.config.Endpoint;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.pool.Pool;
import dev.rtbe.agent.pool.PoolRegistry;
import dev.rtbe.agent.pool.Route;
import dev.rtbe.agent.scheduler.SchedulerClock;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What choosing a call's pool adds to each call (budget: 2 us): find the endpoint and its server,
 * read the route from the path, look the model's pool up (one map read once the pool exists).
 *
 * Run: {@code java -jar benchmarks/target/benchmarks.jar PoolLookupBenchmark -bm avgt -tu ns -f 1 -wi 3 -w 1s -i 5 -r 1s}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class PoolLookupBenchmark {
    private final URI chat = URI.create("http://127.0.0.1:11434/api/chat");
    private final URI embed = URI.create("http://127.0.0.1:11434/api/embed");
    private EndpointMatcher endpoints;
    private PoolRegistry pools;

    @Setup
    public void setUp() {
        Settings settings = Settings.defaults();
        endpoints = new EndpointMatcher(settings.endpoints());
        pools = new PoolRegistry(settings, SchedulerClock.system(), line -> { });
        lookup(chat, "llama3.2:3b"); // the pools exist, as after a service's first calls
        lookup(embed, "nomic-embed-text");
    }

    private Pool lookup(URI uri, String model) {
        Endpoint e = endpoints.endpointOf(uri);
        return pools.pool(e.server(), model, Route.of(e.pathPrefix(), uri.getRawPath()));
    }

    @Benchmark
    public Pool chatModel() {
        return lookup(chat, "llama3.2:3b");
    }

    @Benchmark
    public Pool embeddingModel() {
        return lookup(embed, "nomic-embed-text");
    }
}
