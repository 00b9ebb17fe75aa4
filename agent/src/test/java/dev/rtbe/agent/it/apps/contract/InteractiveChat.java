package dev.rtbe.agent.it.apps.contract;

/** The application's interactive code path: a call-stack rule names this method. */
final class InteractiveChat {
    private InteractiveChat() {}

    static String reply(ClientDriver driver, ClientDriver.Call call) throws Exception {
        return driver.exchange(call, ClientDriver.Read.ALL, new ClientDriver.Canceller());
    }
}
