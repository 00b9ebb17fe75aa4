package dev.rtbe.agent.ledger.redis;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.config.Coordination;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.ObjLongConsumer;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * This JVM's membership of a fleet: one Redis connection pool, one session kept alive by
 * heartbeats, one subscriber for the notices sent to this JVM, and the ledgers of its pools.
 *
 * <p>Every script that adds or removes a member runs on one serial executor, so a heartbeat's
 * list of what this JVM holds and waits for is never overtaken by an acquire in flight. When a
 * script fails for any reason the fleet falls back: new calls go to each pool's local scheduler,
 * queued calls move there, running calls keep their slots; the heartbeat keeps trying, and the
 * first one that gets through re-asserts everything and ends the fallback.
 */
public final class RedisFleet implements AutoCloseable {
    public enum Mode { REDIS, FALLBACK }

    /** How long a script may take before Redis counts as lost (production). */
    static final int TIMEOUT_MILLIS = 2_000;

    private final Coordination target;
    private final String prefix;
    private final String jvmId;
    private final long ttlMillis;
    private final int share;
    private final SchedulerClock clock;
    private final LongSupplier testNowMillis;
    private final AgentLog log;
    private final RedisClient client;
    private final JedisClientConfig subscriberConfig;
    /** Production: one daemon thread for scripts and heartbeats; tests: null (run on the caller). */
    private final ScheduledThreadPoolExecutor worker;
    private volatile Thread workerThread;
    private final Map<String, RedisLedger> ledgers = new ConcurrentHashMap<>();
    private final Subscriber subscriber;
    private volatile Mode mode = Mode.REDIS;
    private volatile boolean closed;

    private final AtomicLong scriptCalls = new AtomicLong();
    private final AtomicLong scriptNanos = new AtomicLong();
    private final AtomicLong scriptMaxNanos = new AtomicLong();
    private final AtomicLong fallbacks = new AtomicLong();
    private final AtomicLong reassertions = new AtomicLong();
    private final AtomicLong recoveredNotices = new AtomicLong();
    /** Told each script's name and duration (metrics); null until telemetry starts. */
    private volatile ObjLongConsumer<String> scriptTimer;

    /**
     * @param testNowMillis the scripts' clock in tests (deterministic); null = the server's TIME
     * @param background true to run scripts on a worker thread with periodic heartbeats; false
     *                   (tests) runs them on the calling thread and heartbeats only when asked
     */
    public RedisFleet(Coordination target, String fleet, String user, String password, Duration sessionTtl,
                      int fallbackShare, SchedulerClock clock, LongSupplier testNowMillis, boolean background,
                      AgentLog log) {
        this(target, fleet, user, password, sessionTtl, fallbackShare, clock, testNowMillis, background, log,
                TIMEOUT_MILLIS);
    }

    /** As above, with the socket timeout: tests on a loaded machine allow more than production. */
    public RedisFleet(Coordination target, String fleet, String user, String password, Duration sessionTtl,
                      int fallbackShare, SchedulerClock clock, LongSupplier testNowMillis, boolean background,
                      AgentLog log, int timeoutMillis) {
        this.target = target;
        this.prefix = "{rtbe:" + fleet + "}";
        this.jvmId = ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFFFL);
        this.ttlMillis = sessionTtl.toMillis();
        this.share = fallbackShare;
        this.clock = clock;
        this.testNowMillis = testNowMillis;
        this.log = log;
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis)
                .database(target.database()).ssl(target.tls()).clientName("rtbe-" + jvmId)
                // no CLIENT SETINFO: the shaded jar carries no Jedis version file (it would send null)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED);
        if (user != null) {
            config.user(user);
        }
        if (password != null) {
            config.password(password);
        }
        this.client = RedisClient.builder().hostAndPort(target.host(), target.port()).clientConfig(config.build())
                .build();
        this.subscriberConfig = config.socketTimeoutMillis(0).clientName("rtbe-" + jvmId + "-notices").build();
        if (background) {
            worker = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "rtbe-ledger");
                t.setDaemon(true);
                workerThread = t;
                return t;
            });
        } else {
            worker = null;
        }
        this.subscriber = new Subscriber();
    }

    /**
     * Connects: subscribes, sends the first heartbeat (falling back at once when Redis cannot be
     * reached) and, in the background mode, starts the heartbeats.
     */
    public void start() {
        subscriber.start();
        heartbeat();
        if (worker != null) {
            long period = Math.max(1, ttlMillis / 3);
            worker.scheduleWithFixedDelay(this::heartbeat, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /** The ledger of one pool, made on first use. */
    public RedisLedger ledger(String pool, SchedulerPolicy policy) {
        return ledgers.computeIfAbsent(pool, p -> new RedisLedger(this, p, policy, fallbackPolicy(policy), clock));
    }

    /** N/K and R/K for share:K (at least one slot; R stays below N); the policy itself for local. */
    SchedulerPolicy fallbackPolicy(SchedulerPolicy p) {
        if (share == 1) {
            return p;
        }
        int n = Math.max(1, p.totalSlots() / share);
        int r = Math.min(p.rtReservedSlots() / share, n - 1);
        SchedulerPolicy.Builder b = SchedulerPolicy.builder(n).rtReservedSlots(r).rtOrder(p.rtOrder())
                .promotionAfter(duration(p.promotionAfterNanos()))
                .maxQueueLength(dev.rtbe.agent.scheduler.Priority.RT, p.maxQueueLength(dev.rtbe.agent.scheduler.Priority.RT))
                .maxQueueLength(dev.rtbe.agent.scheduler.Priority.BE, p.maxQueueLength(dev.rtbe.agent.scheduler.Priority.BE))
                .maxWait(dev.rtbe.agent.scheduler.Priority.RT, duration(p.maxWaitNanos(dev.rtbe.agent.scheduler.Priority.RT)))
                .maxWait(dev.rtbe.agent.scheduler.Priority.BE, duration(p.maxWaitNanos(dev.rtbe.agent.scheduler.Priority.BE)));
        if (p.preemption()) {
            b.preemption(Duration.ofNanos(p.preemptionGraceNanos()), p.maxPreemptionsPerCall());
        }
        if (p.preemptionBudgeted()) {
            b.preemptionBudget(p.preemptionBudget(), Duration.ofNanos(p.preemptionBudgetWindowNanos()));
        }
        return b.agingPassedOver(p.agingPassedOver()).reserveAboveRtLoad(p.reserveAboveRtLoad()).build();
    }

    private static Duration duration(long nanos) {
        return nanos == SchedulerPolicy.UNLIMITED ? null : Duration.ofNanos(nanos);
    }

    public Mode mode() {
        return mode;
    }

    public String jvmId() {
        return jvmId;
    }

    /**
     * Runs {@code task} after every script sent before it (on the caller's thread in tests, and at
     * once when already on the worker, e.g. in a continuation of a grant: queueing it there could wait on itself).
     */
    void execute(Runnable task) {
        if (onWorker()) {
            task.run();
            return;
        }
        try {
            worker.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException | LinkageError e) {
                    log.warn("coordination task failed: " + e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: nothing more to coordinate
        }
    }

    /** True on the thread where scripts run in order (every thread in tests). */
    boolean onWorker() {
        return worker == null || Thread.currentThread() == workerThread;
    }

    /**
     * Runs one event's script. Returns null when Redis could not be reached or failed: the fleet
     * is then in fallback mode.
     */
    Reply run(Scripts script, String pool, List<String> args) {
        if (closed) {
            return null;
        }
        List<String> argv = new ArrayList<>(args.size() + 4);
        argv.add(jvmId);
        argv.add(testNowMillis == null ? "" : Long.toString(testNowMillis.getAsLong()));
        argv.add(Long.toString(ttlMillis));
        argv.add(pool);
        argv.addAll(args);
        List<String> keys = java.util.Collections.singletonList(prefix);
        long start = System.nanoTime();
        try {
            Object raw;
            try {
                raw = eval(script, keys, argv);
            } catch (JedisConnectionException e) {
                if (timedOut(e)) {
                    throw e;
                }
                // A pooled connection may be dead while Redis is fine (Redis restarted, or closed it
                // as idle): once more on a new connection. Still failing, Redis is gone.
                client.getPool().clear();
                raw = eval(script, keys, argv);
            }
            record(script, System.nanoTime() - start);
            return Reply.parse(raw);
        } catch (JedisException | ClassCastException | IndexOutOfBoundsException e) {
            lost(script, e);
            return null;
        }
    }

    private Object eval(Scripts script, List<String> keys, List<String> argv) {
        try {
            return client.evalsha(script.sha(), keys, argv);
        } catch (JedisNoScriptException notLoaded) {
            return client.eval(script.text(), keys, argv); // first use, or Redis restarted: loads it
        }
    }

    /** A script that timed out has cost the whole timeout already: asking again would double it. */
    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private void record(Scripts script, long nanos) {
        scriptCalls.incrementAndGet();
        scriptNanos.addAndGet(nanos);
        scriptMaxNanos.accumulateAndGet(nanos, Math::max);
        ObjLongConsumer<String> timer = scriptTimer;
        if (timer != null) {
            timer.accept(script.name().toLowerCase(Locale.ROOT), nanos);
        }
    }

    /** Tells {@code timer} the name and duration (ns) of each script that completes from now on. */
    public void onScriptTimed(ObjLongConsumer<String> timer) {
        scriptTimer = timer;
    }

    /**
     * Redis failed: admit through the local schedulers until a heartbeat gets through again.
     *
     * <p>This happens at the first failure (after one retry on a new connection, see {@link #run}),
     * not after waiting out the session (TTL minus a margin) in the hope that Redis comes back. The
     * agent exists to keep an interactive call's first token fast; waiting for Redis would add up to
     * a TTL (10 s by default) to every call that arrives during an outage, the very wait it removes.
     * Admitting locally costs at most a brief over-admission, bounded by {@code share:K}, that the
     * server's own queue absorbs (Ollama never runs more than its N), and the first heartbeat that
     * gets through counts every such call again. A one-off glitch (a dead pooled connection) is
     * retried instead, so it costs neither a fallback nor a warning.
     */
    private void lost(Scripts script, Exception e) {
        if (mode == Mode.FALLBACK) {
            return;
        }
        mode = Mode.FALLBACK;
        fallbacks.incrementAndGet();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        log.warn("coordination through " + target + " failed (" + script.name().toLowerCase(Locale.ROOT) + ": "
                + e.getClass().getSimpleName() + ": " + e.getMessage()
                + (root == e ? "" : ", caused by " + root) + "); admitting calls through the local "
                + "scheduler (rtbe.coordination.fallback=" + (share == 1 ? "local" : "share:" + share)
                + ") and reconnecting in the background; running calls keep their slots");
        for (RedisLedger ledger : ledgers.values()) {
            ledger.toFallback();
        }
    }

    /**
     * Renews the session, re-asserts what this JVM holds and waits for, and reads the mailbox. In
     * fallback mode, this is the reconnect attempt. Runs on the worker (or the test's thread).
     */
    public void heartbeat() {
        if (!onWorker()) {
            execute(this::heartbeat);
            return;
        }
        List<String> args = new ArrayList<>();
        List<RedisLedger> all = new ArrayList<>(ledgers.values());
        args.add(Integer.toString(all.size()));
        for (RedisLedger ledger : all) {
            args.add(ledger.pool());
            args.addAll(ledger.cfgArgs());
        }
        List<String> entries = new ArrayList<>();
        for (RedisLedger ledger : all) {
            ledger.entries(entries);
        }
        args.add(Integer.toString(entries.size() / 4));
        args.addAll(entries);
        Mode before = mode;
        Reply reply = run(Scripts.HEARTBEAT, "", args);
        if (reply == null) {
            return;
        }
        mode = Mode.REDIS;
        long reasserted = reply.longValue(0);
        reassertions.addAndGet(reasserted);
        if (before == Mode.FALLBACK) {
            log.info("coordination through " + target + " works again: " + reasserted
                    + " slots, waiters and preemption offers re-asserted; new calls are counted fleet-wide");
        }
        for (RedisLedger ledger : all) {
            ledger.afterHeartbeat();
        }
        for (String[] notice : reply.notices) {
            onNotice(notice[0], notice[1], true, true);
        }
    }

    /**
     * A notice for this JVM: "G\tpool\tpromoted\tagingMark" (granted) or "R\tpool" (revoked by a preemption); in a
     * script's reply only, "S\tpool\tms" (settle the pool again then) and "C\tpool" (the stored settings differ).
     * {@code fromMailbox}: read by a heartbeat; false for a script's reply and for pub/sub.
     * {@code inOrder}: on the script thread, after every acquire of this JVM was answered (not pub/sub).
     */
    void onNotice(String member, String notice, boolean fromMailbox, boolean inOrder) {
        String[] parts = notice.split("\t");
        RedisLedger ledger = ledgers.get(parts[1]);
        if (ledger != null && parts[0].equals("S")) {
            ledger.settleIn((long) Double.parseDouble(parts[2]));
        } else if (ledger != null && parts[0].equals("C")) {
            ledger.settingsDiffer();
        } else if (ledger != null) {
            boolean recovered = ledger.onNotice(member, parts[0].equals("G"), parts.length > 2 && parts[2].equals("1"),
                    parts.length > 3 ? parts[3] : "", inOrder);
            if (recovered && fromMailbox) {
                recoveredNotices.incrementAndGet();
            }
        }
    }

    void warn(String message) {
        log.warn(message);
    }

    public long fallbacks() {
        return fallbacks.get();
    }

    public long reassertions() {
        return reassertions.get();
    }

    /** Grants that reached a waiter through the mailbox because their pub/sub message was lost. */
    public long recoveredNotices() {
        return recoveredNotices.get();
    }

    public long scriptCalls() {
        return scriptCalls.get();
    }

    public double scriptMeanMillis() {
        long n = scriptCalls.get();
        return n == 0 ? 0 : scriptNanos.get() / 1e6 / n;
    }

    public double scriptMaxMillis() {
        return scriptMaxNanos.get() / 1e6;
    }

    /** Tests: drop every pub/sub message from now on (as a lost subscription would); the mailbox still works. */
    void loseNotices(boolean lose) {
        subscriber.losing = lose;
    }

    /** True while the notice subscription is up (tests wait on it). */
    public boolean subscribed() {
        return subscriber.subscribed;
    }

    /** How often the notice subscription was made: 1 plus the reconnections. */
    public long subscriptions() {
        return subscriber.subscriptions.get();
    }

    String channel() {
        return prefix + ":jvm:" + jvmId;
    }

    @Override
    public void close() {
        closed = true;
        subscriber.stop();
        if (worker != null) {
            worker.shutdownNow();
        }
        client.close();
    }

    /** Listens on this JVM's channel; reconnects after a failure. Lost messages wait in the mailbox. */
    private final class Subscriber extends JedisPubSub implements Runnable {
        private final Thread thread = new Thread(this, "rtbe-ledger-notices");
        private volatile boolean subscribed;
        private volatile boolean losing;
        private final AtomicLong subscriptions = new AtomicLong();
        private volatile Jedis connection;

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            long delay = 50;
            while (!closed) {
                try (Jedis jedis = new Jedis(new HostAndPort(target.host(), target.port()), subscriberConfig)) {
                    connection = jedis;
                    jedis.subscribe(this, channel());
                } catch (RuntimeException e) {
                    // reconnect below; the heartbeat's mailbox covers what was missed meanwhile
                }
                subscribed = false;
                connection = null;
                if (closed) {
                    return;
                }
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    return;
                }
                delay = Math.min(delay * 2, Math.max(50, ttlMillis / 3));
            }
        }

        @Override
        public void onSubscribe(String channel, int count) {
            subscribed = true;
            subscriptions.incrementAndGet();
        }

        @Override
        public void onMessage(String channel, String message) {
                int tab = message.indexOf('\t');
            if (tab > 0 && !losing) {
                try {
                    onNotice(message.substring(0, tab), message.substring(tab + 1), false, false);
                } catch (RuntimeException e) {
                    log.warn("coordination notice not understood: " + e);
                }
            }
        }

        void stop() {
            try {
                if (subscribed) {
                    unsubscribe();
                }
            } catch (RuntimeException e) {
                // the connection is gone already
            }
            Jedis c = connection;
            if (c != null) {
                try {
                    c.close();
                } catch (RuntimeException e) {
                    // closing anyway
                }
            }
            thread.interrupt();
        }
    }

    @Override
    public String toString() {
        return "RedisFleet[" + target + " " + prefix + " jvm=" + jvmId + " " + mode + "]";
    }

    static List<String> list(String... values) {
        return Arrays.asList(values);
    }
}
