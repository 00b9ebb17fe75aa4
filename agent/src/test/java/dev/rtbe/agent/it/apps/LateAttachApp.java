package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.awaitIdleAndReport;
import static dev.rtbe.agent.it.apps.AppSupport.generate;

import com.sun.tools.attach.VirtualMachine;
import java.net.http.HttpResponse.BodyHandlers;

/**
 * An application that makes a call with the JDK's client, then attaches the agent to itself (as an
 * operator's tool would, late: {@code agentmain}), then makes calls at once with the same client.
 * Needs {@code -Djdk.attach.allowAttachSelf=true}. Arguments: the server's URL, the agent jar.
 */
public final class LateAttachApp {
    private LateAttachApp() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        JdkClientApp.send(generate(url, false, 5, 20).build(), BodyHandlers.ofString()); // the client's classes load
        System.out.println("AGENT-RUNNING-BEFORE " + AppSupport.agentRunning());
        VirtualMachine vm = VirtualMachine.attach(String.valueOf(ProcessHandle.current().pid()));
        try {
            vm.loadAgent(args[1]);
        } finally {
            vm.detach();
        }
        System.out.println("AGENT-RUNNING " + AppSupport.agentRunning());
        JdkClientApp.concurrent(url, 3);
        awaitIdleAndReport();
    }
}
