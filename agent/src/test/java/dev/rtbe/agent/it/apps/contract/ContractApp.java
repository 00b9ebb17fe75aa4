package dev.rtbe.agent.it.apps.contract;

import static dev.rtbe.agent.it.apps.contract.AgentState.awaitInFlight;
import static dev.rtbe.agent.it.apps.contract.AgentState.awaitQueued;

import dev.rtbe.agent.it.apps.SimGates;
import dev.rtbe.agent.it.apps.contract.ClientDriver.Call;
import dev.rtbe.agent.it.apps.contract.ClientDriver.Canceller;
import dev.rtbe.agent.it.apps.contract.ClientDriver.Read;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The application side of the client contract suite: one JVM per client variant runs every
 * scenario in turn with one {@link ClientDriver}, against servers the test started. Each call's
 * model name is its id (the simulator accepts any model), so the test finds it in the server's
 * records and in the spans. Prints {@code KEY value} lines; {@code DONE <scenario>} after each.
 * Streams in the scheduling scenarios run on threads named {@code user-*}, which the test's
 * settings make real-time: the scheduling contract holds however the body is classified (the
 * classify scenario checks each rule on its own). {@code main(driver, simUrl, resetPort,
 * refusedPort, redirectUrl, priorityUrl, preemptUrl, progressUrl, gateUrl, scenario...)}: {@code priorityUrl}
 * is a server on which the agent reserves no slot for RT (N=2, R=0), {@code preemptUrl} one on
 * which it preempts (N=1, R=0, transparent preemption), {@code progressUrl} answers how many tokens
 * the preempt scenario's batch call has generated there so far, {@code gateUrl} opens a gate of the
 * servers at {@code simUrl} and {@code priorityUrl}: a call whose model {@link #holds} keeps its slot
 * there until its scenario opens the gate named after that model (the servers hold by model name, as
 * not every client can set a header of its own).
 */
public final class ContractApp {
    private final ClientDriver driver;
    private final String url;
    private final int resetPort;
    private final int refusedPort;
    private final String redirectUrl;
    private final String priorityUrl;
    private final String preemptUrl;
    private final String progressUrl;
    private final String gateUrl;

    /** Arguments before the scenarios. */
    static final int FIXED_ARGS = 9;

    private ContractApp(ClientDriver driver, String[] args) {
        this.driver = driver;
        this.url = args[1];
        this.resetPort = Integer.parseInt(args[2]);
        this.refusedPort = Integer.parseInt(args[3]);
        this.redirectUrl = args[4];
        this.priorityUrl = args[5];
        this.preemptUrl = args[6];
        this.progressUrl = args[7];
        this.gateUrl = args[8];
    }

    /** Whether a call for this model is held at the server until its gate opens (the test tells the servers so). */
    public static boolean holds(String model) {
        return model.endsWith("-hold") || model.contains("-hold-");
    }

    public static void main(String[] args) throws Exception {
        ClientDriver driver = Drivers.create(args[0]);
        System.out.println("DRIVER " + driver.describe());
        ContractApp app = new ContractApp(driver, args);
        // One call first, so that class loading and connection set-up do not stretch the first scenario's timings.
        System.out.println("WARMUP " + app.outcome(app.call("warmup", false, 1)));
        // The agent's JMX view, which the scenarios read, is registered when JMX is first used: now.
        AgentState.awaitIdle();
        for (int i = FIXED_ARGS; i < args.length; i++) {
            String scenario = args[i];
            long started = System.nanoTime();
            try {
                app.run(scenario);
                AgentState.awaitIdle();
            } catch (Throwable e) {
                System.out.println("ERROR " + scenario + " " + e);
                e.printStackTrace();
            }
            System.out.println("STATE-" + scenario + " inFlight=" + AgentState.inFlight() + " queued=" + AgentState.queued());
            System.out.println("DONE " + scenario + " " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        }
        try {
            driver.close();
        } finally {
            System.out.flush();
            System.exit(0); // client threads that are not daemons would keep the JVM up
        }
    }

    private void run(String scenario) throws Exception {
        switch (scenario) {
            case "flood": flood(); break;
            case "overtake": overtake(); break;
            case "priority-only": priorityOnly(); break;
            case "lifo": lifo(); break;
            case "aging": aging(); break;
            case "queue-limit": queueLimit(); break;
            case "classify": classify(); break;
            case "early-close": earlyClose(); break;
            case "cancel-queued": cancelQueued(); break;
            case "reader-throws": readerThrows(); break;
            case "reset": reset(); break;
            case "refused": refused(); break;
            case "redirect": redirect(); break;
            case "timeout": timeout(); break;
            case "telemetry": telemetry(); break;
            case "preempt": preempt(); break;
            default: throw new IllegalArgumentException(scenario);
        }
    }

    // ---- calls

    private Call call(String model, boolean stream, int tokens) {
        return new Call(url, model, stream, tokens, null, 0);
    }

    /** A call to the server with no slot reserved for RT. */
    private Call priorityCall(String model, boolean stream, int tokens) {
        return new Call(priorityUrl, model, stream, tokens, null, 0);
    }

    /** Runs a call to its end on a new thread named {@code thread}; prints {@code CALL <model> ok|<failure>}. */
    private Thread start(String thread, Call call) {
        Thread t = new Thread(() -> System.out.println("CALL " + call.model() + " " + outcome(call)), thread);
        t.start();
        return t;
    }

    private String outcome(Call call) {
        try {
            String body = driver.exchange(call, Read.ALL, new Canceller());
            return body.contains("\"done\":true") ? "ok" : "incomplete " + body.length() + " chars";
        } catch (UnsupportedOperationException e) {
            return "unsupported";
        } catch (Throwable e) {
            return "failed " + e;
        }
    }

    private static void join(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
    }

    // ---- scheduling (N=2, R=1, LIFO for RT, aging: promotion after 1 s)

    /** Output tokens (10 ms each) of every call in the scheduling scenarios: holders are held by their gates instead. */
    private static final int SHORT = 5;

    /** Lets the calls held at this gate (a holder's model name) run: they generate their tokens and free their slots. */
    private void open(String gate) throws Exception {
        SimGates.open(gateUrl, gate);
    }

    /** Waits until these calls have ended (with a deadline: a failure, not a hang, if the agent got it wrong). */
    private static void awaitEnded(Thread... calls) throws Exception {
        AgentState.await(() -> java.util.Arrays.stream(calls).noneMatch(Thread::isAlive),
                "the end of " + java.util.Arrays.stream(calls).map(Thread::getName).toList());
    }

    /**
     * A batch call holds the batch slot and 5 more wait; then 2 streams arrive: they run beside, on the slot
     * reserved for them, before any waiting batch call, which then run one at a time.
     */
    private void flood() throws Exception {
        List<Thread> threads = new ArrayList<>();
        try {
            threads.add(start("batch-hold", call("flood-be-hold", false, SHORT)));
            awaitInFlight(1);
            for (int i = 0; i < 5; i++) {
                threads.add(start("batch-" + i, call("flood-be-" + i, false, SHORT)));
            }
            awaitQueued(5);
            Thread[] streams = new Thread[2];
            for (int i = 0; i < 2; i++) {
                streams[i] = start("user-" + i, call("flood-rt-" + i, true, 15));
                threads.add(streams[i]);
            }
            awaitEnded(streams);
        } finally {
            open("flood-be-hold");
        }
        join(threads);
    }

    /** Both slots taken (a stream and a batch call), 3 batch calls wait, then a stream waits: it goes next. */
    private void overtake() throws Exception {
        List<Thread> threads = new ArrayList<>();
        try {
            threads.add(start("user-hold", call("overtake-rt-hold", true, SHORT)));
            threads.add(start("batch-hold", call("overtake-be-hold", false, SHORT)));
            awaitInFlight(2);
            for (int i = 0; i < 3; i++) {
                threads.add(start("batch-" + i, call("overtake-be-" + i, false, SHORT)));
            }
            awaitQueued(3);
            Thread user = start("user", call("overtake-rt", true, SHORT));
            threads.add(user);
            awaitQueued(4);
            open("overtake-be-hold"); // one slot frees: the stream's
            awaitEnded(user);
        } finally {
            open("overtake-be-hold");
            open("overtake-rt-hold");
        }
        join(threads);
    }

    /** R=0 (the priority server's setting): batch fills both slots, yet a waiting stream passes waiting batch calls. */
    private void priorityOnly() throws Exception {
        List<Thread> threads = new ArrayList<>();
        try {
            threads.add(start("batch-hold-0", priorityCall("priority-be-hold-0", false, SHORT)));
            threads.add(start("batch-hold-1", priorityCall("priority-be-hold-1", false, SHORT)));
            awaitInFlight(2);
            for (int i = 0; i < 2; i++) {
                threads.add(start("batch-" + i, priorityCall("priority-be-" + i, false, SHORT)));
            }
            awaitQueued(2);
            Thread user = start("user", priorityCall("priority-rt", true, SHORT));
            threads.add(user);
            awaitQueued(3);
            open("priority-be-hold-0"); // one slot frees: the stream's
            awaitEnded(user);
        } finally {
            open("priority-be-hold-0");
            open("priority-be-hold-1");
        }
        join(threads);
    }

    /** Both slots taken; two streams wait: the newer goes first. */
    private void lifo() throws Exception {
        List<Thread> threads = new ArrayList<>();
        try {
            threads.add(start("user-hold", call("lifo-rt-hold", true, SHORT)));
            threads.add(start("batch-hold", call("lifo-be-hold", false, SHORT)));
            awaitInFlight(2);
            threads.add(start("user-a", call("lifo-rt-a", true, SHORT)));
            awaitQueued(1);
            Thread newer = start("user-b", call("lifo-rt-b", true, SHORT));
            threads.add(newer);
            awaitQueued(2);
            open("lifo-be-hold"); // one slot frees: the newer stream's
            awaitEnded(newer);
        } finally {
            open("lifo-be-hold");
            open("lifo-rt-hold");
        }
        join(threads);
    }

    /**
     * Streams hold both slots (beyond the one reserved for them), so a waiting batch call is passed
     * over by RT and ages; once it has waited past the promotion time it beats the streams that
     * wait when a slot frees. (Aging counts only time passed over by RT: a batch call waiting
     * behind another batch call does not age.)
     */
    private void aging() throws Exception {
        List<Thread> threads = new ArrayList<>();
        try {
            threads.add(start("user-hold-a", call("aging-rt-hold-a", true, SHORT)));
            threads.add(start("user-hold-b", call("aging-rt-hold-b", true, SHORT)));
            awaitInFlight(2);
            Thread batch = start("batch", call("aging-be", false, SHORT));
            threads.add(batch);
            awaitQueued(1);
            threads.add(start("user-0", call("aging-rt-0", true, SHORT)));
            threads.add(start("user-1", call("aging-rt-1", true, SHORT)));
            awaitQueued(3);
            AgentState.await(() -> (Integer) AgentState.mbean("PromotedWaiting") == 1, "the batch call's promotion");
            open("aging-rt-hold-b"); // one slot frees: the promoted batch call's
            awaitEnded(batch);
        } finally {
            open("aging-rt-hold-b");
            open("aging-rt-hold-a");
        }
        join(threads);
    }

    /** The batch queue is full (rtbe.queue.be.max-length=6): one more batch call fails at once, a stream still runs. */
    private void queueLimit() throws Exception {
        List<Thread> threads = new ArrayList<>();
        try {
            threads.add(start("batch-hold", call("qlimit-be-hold", false, SHORT)));
            awaitInFlight(1);
            for (int i = 0; i < 6; i++) {
                threads.add(start("batch-" + i, call("qlimit-be-" + i, false, 1)));
            }
            awaitQueued(6);
            System.out.println("REJECTED " + outcome(call("qlimit-be-over", false, 1)));
            CompletableFuture<String> rt = new CompletableFuture<>();
            Thread user = new Thread(() -> rt.complete(outcome(call("qlimit-rt", true, 1))), "user");
            user.start();
            join(List.of(user));
            System.out.println("RT-BESIDE-FULL-QUEUE " + rt.getNow("never ran"));
        } finally {
            open("qlimit-be-hold");
        }
        join(threads);
    }

    // ---- classification

    private void classify() throws Exception {
        System.out.println("CALL classify-header " + outcome(new Call(url, "classify-header", false, 1, "realtime", 0)));
        String stack = InteractiveChat.reply(driver, call("classify-stack", false, 1));
        System.out.println("CALL classify-stack " + (stack.contains("\"done\":true") ? "ok" : "incomplete"));
        join(List.of(start("rt-worker-1", call("classify-thread", false, 1))));
        System.out.println("CALL classify-streaming " + outcome(call("classify-streaming", true, 1)));
        System.out.println("CALL classify-default " + outcome(call("classify-default", false, 1)));
    }

    // ---- ends of a call

    /** Read the first line of a long stream, then close: the slot, and the server, are free at once. */
    private void earlyClose() throws Exception {
        String first = driver.exchange(call("early-close", true, 300), Read.FIRST_LINE_THEN_CLOSE, new Canceller());
        System.out.println("FIRST " + (first != null && !first.isEmpty()));
        awaitInFlight(0);
        System.out.println("AFTER-CLOSE " + AgentState.inFlight());
    }

    /** One batch slot held: a batch call given up while it waits leaves the queue and is never sent. */
    private void cancelQueued() throws Exception {
        Thread holder = start("batch-hold", call("cancel-be-hold", false, SHORT));
        Thread waiter = null;
        try {
            awaitInFlight(1);
            Canceller canceller = new Canceller();
            CompletableFuture<String> outcome = new CompletableFuture<>();
            waiter = new Thread(() -> {
                try {
                    driver.exchange(call("cancel-queued", false, 1), Read.ALL, canceller);
                    outcome.complete("sent");
                } catch (Throwable e) {
                    outcome.complete(e.getClass().getSimpleName());
                }
            }, "batch-cancelled");
            waiter.start();
            awaitQueued(1);
            canceller.cancel();
            awaitQueued(0);
            System.out.println("CANCEL queued=" + AgentState.queued() + " " + outcome.get(20, TimeUnit.SECONDS));
        } finally {
            open("cancel-be-hold");
        }
        join(waiter == null ? List.of(holder) : List.of(waiter, holder));
    }

    private void readerThrows() throws Exception {
        try {
            driver.exchange(call("reader-throws", true, 300), Read.THROW_WHILE_READING, new Canceller());
            System.out.println("THREW none");
        } catch (Throwable e) {
            System.out.println("THREW " + causedByBug(e));
        }
        awaitInFlight(0);
    }

    private static boolean causedByBug(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ClientDriver.ApplicationBug) {
                return true;
            }
        }
        return false;
    }

    /** The test's server on an endpoint port sends half a stream, then resets the connection. */
    private void reset() throws Exception {
        System.out.println("RESET " + outcome(new Call("http://127.0.0.1:" + resetPort, "reset", true, 1, null, 0)));
    }

    private void refused() throws Exception {
        System.out.println("REFUSED " + outcome(new Call("http://127.0.0.1:" + refusedPort, "refused", false, 1, null, 0)));
    }

    /** A front answers 307 to the simulator: one logical call, one slot. */
    private void redirect() throws Exception {
        long before = AgentState.grants();
        System.out.println("REDIRECT " + outcome(new Call(redirectUrl, "redirect", false, 5, null, 0))
                + " grants=" + (AgentState.grants() - before));
    }

    /** One batch slot held: a batch call whose own timeout passes while it waits fails and is never sent. */
    private void timeout() throws Exception {
        Thread holder = start("batch-hold", call("timeout-be-hold", false, SHORT));
        try {
            awaitInFlight(1);
            System.out.println("TIMEOUT " + outcome(new Call(url, "timeout", false, 1, null, 200)));
            try {
                awaitQueued(0); // a client may give up (cancel its future) just after it reports the timeout
            } finally {
                System.out.println("TIMEOUT-QUEUED " + AgentState.queued());
            }
        } finally {
            open("timeout-be-hold");
        }
        join(List.of(holder));
    }

    private void telemetry() throws Exception {
        System.out.println("CALL telemetry " + outcome(call("telemetry", true, 10)));
    }

    // ---- preemption (the second server: N=1, R=0, transparent preemption)

    /** The preempted batch call's model, which the preemptible server pauses after {@link #PREEMPT_AT} tokens. */
    public static final String PREEMPTED = "preempt-be";
    /** Tokens of the preempted batch call's first attempt: there it pauses until its gate opens, and its stream comes. */
    public static final int PREEMPT_AT = 20;
    /** Output tokens of the preempted batch call: 0.6 s at the simulator's 100 tokens/s, besides its pause. */
    public static final int PREEMPT_TOKENS = 60;

    /**
     * A non-streaming batch call runs on the preemptible server; once it has generated 20 tokens (where
     * it pauses, keeping its slot, until it is preempted) a stream arrives and takes its slot. The
     * batch call is cut on the wire, continued from its output after the stream, and its application
     * still gets one whole answer.
     */
    private void preempt() throws Exception {
        long before = (Long) AgentState.mbean("Preemptions");
        CompletableFuture<String> batch = new CompletableFuture<>();
        Thread b = new Thread(() -> {
            try {
                batch.complete(driver.exchange(new Call(preemptUrl, PREEMPTED, false, PREEMPT_TOKENS, null, 0),
                        Read.ALL, new Canceller()));
            } catch (Throwable e) {
                batch.complete("failed " + e);
            }
        }, "batch-preempted");
        b.start();
        Thread user;
        try {
            AgentState.await(() -> progress() >= PREEMPT_AT, PREEMPT_AT + " tokens of the batch call");
            user = start("user-preempt", new Call(preemptUrl, "preempt-rt", true, 5, null, 0));
            AgentState.await(() -> (Long) AgentState.mbean("Preemptions") > before, "the batch call's preemption");
        } finally {
            open(PREEMPTED);
        }
        join(List.of(user, b));
        System.out.println("PREEMPTIONS " + ((Long) AgentState.mbean("Preemptions") - before));
        System.out.println("PREEMPT-BODY " + java.util.Base64.getEncoder().encodeToString(
                batch.get(20, TimeUnit.SECONDS).getBytes(StandardCharsets.UTF_8)));
    }

    /** Tokens the batch call's first attempt has generated (the test's progress server reads the simulator). */
    private int progress() throws java.io.IOException {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create(progressUrl).toURL().openConnection();
        try (InputStream in = c.getInputStream()) {
            return Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        } finally {
            c.disconnect();
        }
    }
}
