package dev.rtbe.agent.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rtbe.agent.classify.Classification.Rule;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.scheduler.Priority;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ClassifierTest {
    private static Classifier classifier(Map<String, String> properties) {
        Settings settings = new SettingsLoader(properties, null, Map.of(), path -> {
            throw new java.io.IOException("no files here");
        }).load();
        return new Classifier(settings);
    }

    @ParameterizedTest
    @CsvSource({"rt, RT", "RealTime, RT", "HIGH, RT", "' be ', BE", "batch, BE", "Low, BE", "best-effort, BE"})
    void headerValuesInAnyCase(String value, Priority expected) {
        Classification c = classifier(Map.of()).classify(value, false);
        assertEquals(expected, c.priority());
        assertEquals(Rule.HEADER, c.rule());
    }

    @Test
    void anUnknownHeaderValueFallsThroughToTheNextRule() {
        assertEquals(Rule.STREAMING, classifier(Map.of()).classify("urgent", true).rule());
    }

    @Test
    void theHeaderWinsOverEveryOtherRule() {
        Classifier c = classifier(Map.of("rtbe.classify.rt-stack", "dev.rtbe.agent.classify.*",
                "rtbe.classify.rt-threads", "*"));
        assertEquals(new Classification(Priority.BE, Rule.HEADER).toString(), c.classify("be", true).toString());
    }

    @Test
    void stackRulesMatchPackagesClassesAndMethods() {
        assertEquals("RT by stack", classifier(Map.of("rtbe.classify.rt-stack", "dev.rtbe.agent.*"))
                .classify(null, false).toString());
        assertEquals("BE by stack", classifier(Map.of("rtbe.classify.be-stack",
                "dev.rtbe.agent.classify.ClassifierTest#stackRulesMatchPackagesClassesAndMethods"))
                .classify(null, true).toString());
        assertEquals("BE by default", classifier(Map.of("rtbe.classify.rt-stack",
                "dev.rtbe.agent.classify.ClassifierTest#someOtherMethod")).classify(null, false).toString());
        // A package pattern does not match a sibling whose name merely starts the same.
        assertEquals("BE by default", classifier(Map.of("rtbe.classify.rt-stack", "dev.rtbe.agent.classif.*"))
                .classify(null, false).toString());
    }

    @Test
    void aNestedClassMatchesItsOuterClassPattern() throws Exception {
        Classifier c = classifier(Map.of("rtbe.classify.rt-stack", "dev.rtbe.agent.classify.ClassifierTest"));
        AtomicReference<Classification> seen = new AtomicReference<>();
        Runnable nested = new Runnable() { // dev.rtbe.agent.classify.ClassifierTest$1
            @Override
            public void run() {
                seen.set(c.classify(null, false));
            }
        };
        Thread t = new Thread(nested, "other");
        t.start();
        t.join();
        assertEquals("RT by stack", seen.get().toString());
    }

    @Test
    void threadGlobsMatchTheCallingThread() throws Exception {
        Classifier c = classifier(Map.of("rtbe.classify.rt-threads", "ui-?-*", "rtbe.classify.be-threads", "batch-*"));
        assertEquals("RT by thread", onThread("ui-1-worker", () -> c.classify(null, false)).toString());
        assertEquals("BE by thread", onThread("batch-7", () -> c.classify(null, true)).toString());
        assertEquals("RT by streaming", onThread("ui-12-worker", () -> c.classify(null, true)).toString());
    }

    @Test
    void streamingIsRtUnlessTurnedOffAndUnknownStreamingSaysNothing() {
        assertEquals("RT by streaming", classifier(Map.of()).classify(null, true).toString());
        assertEquals("BE by default", classifier(Map.of()).classify(null, null).toString());
        assertEquals("BE by default", classifier(Map.of("rtbe.classify.streaming", "off")).classify(null, true).toString());
        assertEquals("RT by default", classifier(Map.of("rtbe.classify.default", "rt")).classify(null, false).toString());
    }

    private static Classification onThread(String name, java.util.function.Supplier<Classification> s) throws Exception {
        AtomicReference<Classification> out = new AtomicReference<>();
        Thread t = new Thread(() -> out.set(s.get()), name);
        t.start();
        t.join();
        return out.get();
    }
}
