package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.generate;

import java.net.http.HttpResponse.BodyHandlers;

/** One call per classification rule; the agent's call log says which rule decided. */
final class Classify {
    private Classify() {}

    static void run(String url) throws Exception {
        JdkClientApp.send(generate(url, false, 1, 1).header("X-Rtbe-Priority", "realtime").build(),
                BodyHandlers.ofString());
        InteractiveChat.reply(url);
        Thread t = AppSupport.start("rt-worker-1",
                () -> JdkClientApp.send(generate(url, false, 1, 1).build(), BodyHandlers.ofString()));
        t.join();
        JdkClientApp.send(generate(url, true, 1, 1).build(), BodyHandlers.ofString());
        JdkClientApp.send(generate(url, false, 1, 1).build(), BodyHandlers.ofString());
    }

    /** Matched by a call-stack rule. */
    static final class InteractiveChat {
        private InteractiveChat() {}

        static void reply(String url) throws Exception {
            JdkClientApp.send(generate(url, false, 1, 1).build(), BodyHandlers.ofString());
        }
    }
}
