package dev.rtbe.agent.telemetry;

import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import java.util.Collections;
import java.util.List;

/**
 * What the OTLP exporter's service lookups see: exactly one {@link HttpSenderProvider}, the JDK
 * one, loaded through the loader that can see {@code java.net.http} (the boot loader, where the
 * rest of the SDK lives, cannot). Every other lookup finds nothing, so no class is ever loaded
 * twice through some other loader (our jar is also on the system class path).
 */
final class SenderComponentLoader implements ComponentLoader {
    /** The JDK sender's provider; a name, never a class literal, so the boot loader never loads it. */
    static final String JDK_SENDER_PROVIDER = "io.opentelemetry.exporter.sender.jdk.internal.JdkHttpSenderProvider";

    private final ClassLoader senderLoader;

    SenderComponentLoader(ClassLoader senderLoader) {
        this.senderLoader = senderLoader;
    }

    @Override
    public <T> Iterable<T> load(Class<T> spiClass) {
        if (spiClass != HttpSenderProvider.class) {
            return Collections.emptyList();
        }
        try {
            Class<?> provider = Class.forName(JDK_SENDER_PROVIDER, true, senderLoader);
            List<T> one = Collections.singletonList(spiClass.cast(provider.getDeclaredConstructor().newInstance()));
            return one;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            throw new IllegalStateException("the JDK HTTP sender for OTLP could not be loaded: " + e, e);
        }
    }
}
