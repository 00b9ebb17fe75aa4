package dev.rtbe.agent.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.scheduler.VirtualClock;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code rtbe.pools.max-per-server=0}: one pool per server, every model in it (the behaviour before pools). */
class SharedPoolTest {

    @Test
    void zeroPoolsPerServerPutsEveryModelInTheDefaultPool() {
        List<String> log = new ArrayList<>();
        Settings s = new SettingsLoader(Map.of("rtbe.pools.max-per-server", "0", "rtbe.slots.total", "2"), "", Map.of(),
                path -> {
                    throw new NoSuchFileException(path);
                }).load();
        PoolRegistry r = new PoolRegistry(s, new VirtualClock(), log::add);
        Pool shared = r.defaultPool("localhost:11434");
        assertSame(shared, r.pool("localhost:11434", "llama3.2", Route.GENERATION));
        assertSame(shared, r.pool("localhost:11434", "nomic-embed-text", Route.EMBEDDING));
        assertEquals(2, shared.limit(), "the shared pool has the global N");
        assertEquals(1, r.pools().size(), "no pool but the default one");
    }
}
