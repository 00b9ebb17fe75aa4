package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.ChatRequests;
import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.scheduler.VirtualClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.HashMap;
import java.util.Map;

/**
 * The agent as the adapter's embedded-channel tests run it: a runtime over one endpoint with one
 * slot and one pool (so every call here wants the same slot), on a virtual clock, its log kept for
 * the test to read; and a chat call to that endpoint.
 */
final class ChannelTestAgent {
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    /** Installs the runtime with these settings on top of the ones above. */
    ChannelTestAgent install(Map<String, String> settings) {
        Map<String, String> props = new HashMap<>();
        props.put("rtbe.endpoints", "127.0.0.1:11434");
        props.put("rtbe.slots.total", "1");
        props.put("rtbe.pools.by-model", "false");
        props.putAll(settings);
        Settings s = new SettingsLoader(props, "", Map.of(), path -> {
            throw new NoSuchFileException(path);
        }).load();
        AgentRuntime.install(new AgentRuntime(s, new VirtualClock(),
                new AgentLog(new PrintStream(log, true, StandardCharsets.UTF_8))));
        return this;
    }

    static void uninstall() {
        AgentRuntime.install(null);
    }

    /** What the agent has logged so far. */
    String log() {
        return log.toString(StandardCharsets.UTF_8);
    }

    /** A chat call to the endpoint, not yet started; its body is read elsewhere (on the channel). */
    static Gate.Pending chatCall() {
        return Gate.beginLater(ChatRequests.CHAT);
    }
}
