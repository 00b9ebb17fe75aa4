package dev.rtbe.agent.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints durations like {@code 500ms}, {@code 1.5s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
final class Durations {
    /**
     * Matched against the lower-cased value: {@code CASE_INSENSITIVE} would make the JDK spin a lambda
     * class at run time while the agent starts (its case folding is not in the JDK's class-data archive).
     */
    private static final Pattern SYNTAX = Pattern.compile("([+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+))\\s*(ms|s|m|h)?");
    private static final long NANOS_PER_MS = 1_000_000L;
    private static final long NANOS_PER_S = 1_000_000_000L;

    static final String ALLOWED = "a duration >= 0 such as 500ms, 1.5s, 60s, 2m, 1h (a plain number means seconds)";

    private Durations() {}

    static Duration parse(String raw) throws BadValueException {
        Matcher m = SYNTAX.matcher(raw.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new BadValueException("not a duration");
        }
        BigDecimal amount = new BigDecimal(m.group(1));
        if (amount.signum() < 0) {
            throw new BadValueException("negative durations are not allowed");
        }
        BigDecimal nanos = amount.multiply(BigDecimal.valueOf(unitNanos(m.group(2))))
                .setScale(0, RoundingMode.HALF_UP);
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new BadValueException("too large");
        }
        return Duration.ofNanos(nanos.longValueExact());
    }

    private static long unitNanos(String unit) {
        if (unit == null) {
            return NANOS_PER_S;
        }
        switch (unit.toLowerCase(Locale.ROOT)) {
            case "ms": return NANOS_PER_MS;
            case "m": return 60 * NANOS_PER_S;
            case "h": return 3600 * NANOS_PER_S;
            default: return NANOS_PER_S;
        }
    }

    /** The shortest exact spelling in the largest whole unit, so "60s" prints as "1m" and 1500 ms as "1.5s". */
    static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        if (nanos % (3600 * NANOS_PER_S) == 0) {
            return nanos / (3600 * NANOS_PER_S) + "h";
        }
        if (nanos % (60 * NANOS_PER_S) == 0) {
            return nanos / (60 * NANOS_PER_S) + "m";
        }
        if (nanos < NANOS_PER_S && nanos % NANOS_PER_MS == 0) {
            return nanos / NANOS_PER_MS + "ms";
        }
        return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString() + "s";
    }
}
