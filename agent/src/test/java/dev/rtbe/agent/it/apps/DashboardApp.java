package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.awaitIdleAndReport;

/**
 * A workload whose metrics the dashboard test reads back over OTLP: a batch call holding the only
 * slot with a stream queued behind it (queue wait, time to first token and GenAI metrics for both
 * classes), then a stream body never read, taken back by max-hold (a forced release). The
 * scheduler's gauges and counters are observed at every export, zero or not.
 */
public final class DashboardApp {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        TelemetryApp.calls(url);
        JdkClientApp.maxHold(url);
        awaitIdleAndReport();
    }

    private DashboardApp() {}
}
