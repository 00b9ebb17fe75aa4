package dev.rtbe.agent.ledger.redis;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.Map;

/**
 * The ledger's Lua scripts, one per event, each composed at load time from the shared part
 * ({@code common.lua}: sessions, the dispatch rule, preemption, the reply) and the event's own file.
 */
enum Scripts {
    ACQUIRE("acquire"),
    RELEASE("release"),
    CANCEL("cancel"),
    OFFER("offer"),
    WITHDRAW("withdraw"),
    PREEMPT("preempt"),
    PROGRESS("progress"),
    HEARTBEAT("heartbeat");

    private static final Map<Scripts, String[]> TEXT = new EnumMap<>(Scripts.class);

    static {
        String common = read("common");
        for (Scripts s : values()) {
            String text = common + "\n" + read(s.file);
            TEXT.put(s, new String[] {text, sha1(text)});
        }
    }

    private final String file;

    Scripts(String file) {
        this.file = file;
    }

    /** The whole script as sent to Redis. */
    String text() {
        return TEXT.get(this)[0];
    }

    /** Its SHA-1, for EVALSHA. */
    String sha() {
        return TEXT.get(this)[1];
    }

    private static String read(String name) {
        String path = "/dev/rtbe/agent/ledger/redis/" + name + ".lua";
        try (InputStream in = Scripts.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + path);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
            }
            return new String(out.toByteArray(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (byte b : digest) {
                hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
