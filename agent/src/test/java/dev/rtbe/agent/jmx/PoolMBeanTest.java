package dev.rtbe.agent.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.pool.Pool;
import dev.rtbe.agent.pool.Route;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.VirtualClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PoolMBeanTest {
    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

    @AfterEach
    void unregister() throws Exception {
        for (ObjectName name : jmx.queryNames(new ObjectName("dev.rtbe:*"), null)) {
            jmx.unregisterMBean(name);
        }
    }

    @Test
    void namesAreQuotedOnlyWhenAValueNeedsIt() throws Exception {
        assertEquals("dev.rtbe:type=Pool,server=gpu,model=_default",
                SchedulerMBeanRegistrar.poolName("gpu", "_default").toString());
        ObjectName name = SchedulerMBeanRegistrar.poolName("localhost:11434", "hf.co/org/model:q4");
        assertEquals("dev.rtbe:type=Pool,server=\"localhost:11434\",model=\"hf.co/org/model:q4\"", name.toString());
        assertEquals("localhost:11434", ObjectName.unquote(name.getKeyProperty("server")));
    }

    @Test
    void eachPoolHasAViewAndTheSchedulerViewSumsThem() throws Exception {
        unregister();
        Settings s = new SettingsLoader(Map.of("rtbe.slots.total", "2", "rtbe.endpoints", "gpu@10.0.0.5:11434"), "",
                Map.of(), path -> {
                    throw new NoSuchFileException(path);
                }).load();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        AgentRuntime runtime = new AgentRuntime(s, new VirtualClock(), new AgentLog(new PrintStream(log, true,
                StandardCharsets.UTF_8)));
        Pool chat = runtime.pools().pool("gpu", "llama3.2", Route.GENERATION);
        Permit held = chat.scheduler().acquire(Priority.BE, Duration.ZERO);
        chat.onCallEnd(2, 2, Duration.ofMillis(1500).toNanos(), 0);
        Permit other = runtime.pools().defaultPool("gpu").scheduler().acquire(Priority.RT, Duration.ZERO);

        SchedulerMBeanRegistrar.register(runtime, new AgentLog(new PrintStream(log, true, StandardCharsets.UTF_8)));
        ObjectName pool = SchedulerMBeanRegistrar.poolName("gpu", "llama3.2:latest");
        assertTrue(jmx.isRegistered(pool), log::toString);
        assertEquals("gpu", jmx.getAttribute(pool, "Server"));
        assertEquals("llama3.2:latest", jmx.getAttribute(pool, "Model"));
        assertEquals("fixed", jmx.getAttribute(pool, "Mode"));
        assertEquals(2, jmx.getAttribute(pool, "TotalSlots"));
        assertEquals(1, jmx.getAttribute(pool, "BeInFlight"));
        assertEquals(1.5, (Double) jmx.getAttribute(pool, "ServerQueueWaitLastSeconds"), 1e-9);
        assertEquals(1.5, (Double) jmx.getAttribute(pool, "ServerQueueWaitMeanSeconds"), 1e-9);
        assertEquals(false, jmx.getAttribute(pool, "OutsideCallsDetected"));
        assertTrue(((String) jmx.getAttribute(pool, "EffectiveSettings")).startsWith("slots.total=2,slots.rt-reserved=1,"));
        ObjectName sum = new ObjectName(SchedulerMBeanRegistrar.NAME);
        assertEquals(4, jmx.getAttribute(sum, "TotalSlots"), "two pools of N 2");
        assertEquals(1, jmx.getAttribute(sum, "BeInFlight"));
        assertEquals(1, jmx.getAttribute(sum, "RtInFlight"));
        held.release();
        other.release();
        assertEquals(0, jmx.getAttribute(pool, "BeInFlight"));
    }

    @Test
    void aPoolReplacedByAGenerationPoolShowsTheNewOne() throws Exception {
        unregister();
        Settings s = new SettingsLoader(Map.of("rtbe.slots.total", "3"), "", Map.of(), path -> {
            throw new NoSuchFileException(path);
        }).load();
        AgentLog log = new AgentLog(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        AgentRuntime runtime = new AgentRuntime(s, new VirtualClock(), log);
        Pool embedding = runtime.pools().pool("localhost:11434", "llama3.2", Route.EMBEDDING);
        SchedulerMBeanRegistrar.registerPool(embedding, log);
        ObjectName name = SchedulerMBeanRegistrar.poolName("localhost:11434", "llama3.2:latest");
        assertEquals(1, jmx.getAttribute(name, "TotalSlots"));
        SchedulerMBeanRegistrar.registerPool(runtime.pools().pool("localhost:11434", "llama3.2", Route.GENERATION), log);
        assertEquals(3, jmx.getAttribute(name, "TotalSlots"));
    }
}
