package dev.rtbe.agent.config;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the slot ledger lives: {@code local} (this JVM alone) or a Redis server shared by a fleet
 * of JVMs, {@code redis://host:port[/db]} or {@code rediss://} for TLS. Credentials are separate
 * settings, never part of this value, so it may be printed.
 */
public final class Coordination {
    public static final int DEFAULT_REDIS_PORT = 6379;
    static final String ALLOWED = "local, or redis://host[:port][/db] (rediss:// for TLS); user and password are separate settings";
    private static final Pattern URL = Pattern.compile("(rediss?)://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9_.-]+)(?::(\\d{1,5}))?(?:/(\\d{1,5}))?/?");
    private static final Pattern FLEET = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private static final Coordination LOCAL = new Coordination(false, null, 0, 0);

    private final boolean tls;
    private final String host; // null: local
    private final int port;
    private final int database;

    private Coordination(boolean tls, String host, int port, int database) {
        this.tls = tls;
        this.host = host;
        this.port = port;
        this.database = database;
    }

    public static Coordination local() {
        return LOCAL;
    }

    public static Coordination parse(String raw) throws BadValueException {
        String value = raw.trim();
        if (value.equalsIgnoreCase("local")) {
            return LOCAL;
        }
        if (value.indexOf('@') >= 0) {
            throw new BadValueException("credentials do not belong in the URL (it is printed); use "
                    + "rtbe.coordination.user and rtbe.coordination.password");
        }
        Matcher m = URL.matcher(value);
        if (!m.matches()) {
            throw new BadValueException("not local nor a redis://host[:port][/db] URL");
        }
        int port = m.group(3) == null ? DEFAULT_REDIS_PORT : Integer.parseInt(m.group(3));
        if (port < 1 || port > 65535) {
            throw new BadValueException("port " + port + " is outside 1..65535");
        }
        int db = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
        String host = m.group(2);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        return new Coordination(m.group(1).equals("rediss"), host.toLowerCase(Locale.ROOT), port, db);
    }

    public boolean isLocal() {
        return host == null;
    }

    public boolean tls() {
        return tls;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int database() {
        return database;
    }

    @Override
    public String toString() {
        if (isLocal()) {
            return "local";
        }
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return (tls ? "rediss" : "redis") + "://" + h + ":" + port + (database == 0 ? "" : "/" + database);
    }

    static SettingType<Coordination> type() {
        return new SettingType<Coordination>() {
            @Override public Coordination parse(String raw) throws BadValueException { return Coordination.parse(raw); }
            @Override public String allowed() { return ALLOWED; }
        };
    }

    /** A fleet name: the JVMs that share one name share their slots. */
    static SettingType<String> fleetName() {
        return new SettingType<String>() {
            @Override
            public String parse(String raw) throws BadValueException {
                String v = raw.trim();
                if (!FLEET.matcher(v).matches()) {
                    throw new BadValueException("not 1 to 64 letters, digits, '.', '_' or '-'");
                }
                return v;
            }

            @Override public String allowed() { return "1 to 64 letters, digits, '.', '_' or '-'"; }
        };
    }

    /** A secret: any text or none; shown only as whether it is set. */
    static SettingType<Optional<String>> secret() {
        return new SettingType<Optional<String>>() {
            @Override
            public Optional<String> parse(String raw) {
                return raw.isEmpty() || raw.equalsIgnoreCase("none") ? Optional.<String>empty() : Optional.of(raw);
            }

            @Override public String allowed() { return "any text, or none"; }

            @Override public String format(Optional<String> value) { return value.isPresent() ? "(set)" : "none"; }
        };
    }

    /**
     * What the JVM does while Redis cannot be reached: {@code local} uses its own N and R,
     * {@code share:K} a K-th of them (at least one slot), for K JVMs sharing the server.
     * The value is K (1 for local).
     */
    static SettingType<Integer> fallback() {
        return new SettingType<Integer>() {
            @Override
            public Integer parse(String raw) throws BadValueException {
                String v = raw.trim().toLowerCase(Locale.ROOT);
                if (v.equals("local")) {
                    return 1;
                }
                if (v.startsWith("share:") && v.substring(6).matches("\\d{1,4}")) {
                    int k = Integer.parseInt(v.substring(6));
                    if (k >= 1) {
                        return k;
                    }
                }
                throw new BadValueException("not local nor share:K with K >= 1");
            }

            @Override public String allowed() { return "local, or share:K (K >= 1 JVMs share the server)"; }

            @Override public String format(Integer k) { return k == 1 ? "local" : "share:" + k; }
        };
    }

    /** A session lifetime: at least one second, so heartbeats (a third of it) stay sane. */
    static SettingType<java.time.Duration> sessionTtl() {
        return new SettingType<java.time.Duration>() {
            @Override
            public java.time.Duration parse(String raw) throws BadValueException {
                java.time.Duration d = Durations.parse(raw.trim());
                if (d.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
                    throw new BadValueException("below the minimum 1s");
                }
                return d;
            }

            @Override public String allowed() { return "a duration >= 1s such as 10s"; }

            @Override public String format(java.time.Duration d) { return Durations.format(d); }
        };
    }
}
