package dev.rtbe.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ClientWatchTest {
    private static final byte[] ORIGINAL = {1, 2, 3};
    private static final byte[] INSTRUMENTED = {9, 9, 9};
    private static final String[] PREFIXES = {"okhttp3/", "jdk/internal/net/http/"};

    /** Stands for the clients' instrumentation: marks the classes it was handed. */
    private static final ClassFileTransformer REAL = new ClassFileTransformer() {
        @Override
        public byte[] transform(Module module, ClassLoader loader, String name, Class<?> redefined,
                                ProtectionDomain domain, byte[] bytes) {
            return INSTRUMENTED;
        }
    };

    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final List<String> starts = new CopyOnWriteArrayList<>();

    private static byte[] load(ClientWatch watch, String name) throws IllegalClassFormatException {
        return watch.transform(null, null, name, null, null, ORIGINAL);
    }

    @Test
    void otherClassesPassAndStartNothing() throws Exception {
        ClientWatch watch = new ClientWatch(PREFIXES, trigger -> {
            starts.add(trigger);
            return REAL;
        }, warnings::add);
        assertNull(load(watch, "com/acme/Service"));
        assertNull(load(watch, "okhttp"));
        assertNull(load(watch, "jdk/internal/net/HttpClient"));
        assertEquals(List.of(), starts);
    }

    @Test
    void theFirstClientClassStartsTheAgentOnceAndIsInstrumentedItself() throws Exception {
        ClientWatch watch = new ClientWatch(PREFIXES, trigger -> {
            starts.add(trigger);
            return REAL;
        }, warnings::add);
        assertArrayEquals(INSTRUMENTED, load(watch, "okhttp3/OkHttpClient"));
        // Later classes are the real instrumentation's business (it is registered by then).
        assertNull(load(watch, "okhttp3/internal/connection/RealCall"));
        assertNull(load(watch, "jdk/internal/net/http/HttpClientImpl"));
        assertEquals(List.of("okhttp3.OkHttpClient"), starts);
        assertEquals(List.of(), warnings);
    }

    @Test
    void aClientClassLoadedByTheStartItselfPassesInsteadOfWaitingForItself() throws Exception {
        AtomicReference<byte[]> nested = new AtomicReference<>(ORIGINAL);
        AtomicReference<ClientWatch> self = new AtomicReference<>();
        ClientWatch watch = new ClientWatch(PREFIXES, trigger -> {
            try {
                nested.set(load(self.get(), "jdk/internal/net/http/HttpClientBuilderImpl"));
            } catch (IllegalClassFormatException e) {
                throw new AssertionError(e);
            }
            return REAL;
        }, warnings::add);
        self.set(watch);
        assertArrayEquals(INSTRUMENTED, load(watch, "okhttp3/OkHttpClient"));
        assertNull(nested.get());
    }

    @Test
    void aClientClassLoadedOnAnotherThreadDuringTheStartWaitsForItAndIsInstrumented() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger startCount = new AtomicInteger();
        ClientWatch watch = new ClientWatch(PREFIXES, trigger -> {
            startCount.incrementAndGet();
            entered.countDown();
            try {
                assertTrue(release.await(20, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return REAL;
        }, warnings::add);
        AtomicReference<byte[]> first = new AtomicReference<>();
        AtomicReference<byte[]> second = new AtomicReference<>();
        Thread starter = new Thread(() -> first.set(loadUnchecked(watch, "okhttp3/OkHttpClient")));
        starter.start();
        assertTrue(entered.await(20, TimeUnit.SECONDS));
        Thread other = new Thread(() -> second.set(loadUnchecked(watch, "jdk/internal/net/http/HttpClientImpl")));
        other.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (other.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // waits for the other thread to block on the start, not for a fixed time
        }
        assertEquals(Thread.State.TIMED_WAITING, other.getState());
        assertNull(second.get());
        release.countDown();
        starter.join(20_000);
        other.join(20_000);
        assertArrayEquals(INSTRUMENTED, first.get());
        assertArrayEquals(INSTRUMENTED, second.get());
        assertEquals(1, startCount.get());
    }

    @Test
    void aFailedStartIsReportedOnceAndTheApplicationRunsOn() throws Exception {
        ClientWatch watch = new ClientWatch(PREFIXES, trigger -> {
            starts.add(trigger);
            throw new IllegalStateException("broken");
        }, warnings::add);
        assertNull(load(watch, "okhttp3/OkHttpClient"));
        assertNull(load(watch, "okhttp3/Call"));
        assertEquals(1, starts.size());
        assertEquals(List.of("the agent failed to start and is off: java.lang.IllegalStateException: broken"), warnings);
    }

    private static byte[] loadUnchecked(ClientWatch watch, String name) {
        try {
            return load(watch, name);
        } catch (IllegalClassFormatException e) {
            throw new AssertionError(e);
        }
    }
}
