package dev.rtbe.agent.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/** The value types settings use. Each parser is strict: no silent fallback to a default. */
public final class Types {
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
    // RFC 9110 token characters: what a header name may contain.
    private static final Pattern HTTP_TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private Types() {}

    interface Parser<T> {
        T parse(String raw) throws BadValueException;
    }

    /**
     * A type from its allowed-values text; subclasses parse a trimmed value and print one. Plain
     * classes rather than lambdas: the JVM spins a class for each lambda at its first use, and
     * these all run at premain (about 30 fewer classes and the lambda machinery at start-up).
     */
    private abstract static class Type<T> implements SettingType<T> {
        private final String allowed;

        Type(String allowed) {
            this.allowed = allowed;
        }

        abstract T parseTrimmed(String raw) throws BadValueException;

        @Override
        public final T parse(String raw) throws BadValueException {
            return parseTrimmed(raw.trim());
        }

        @Override
        public final String allowed() {
            return allowed;
        }

        @Override
        public String format(T value) {
            return String.valueOf(value);
        }
    }

    public static SettingType<Integer> integer(int min) {
        return new Type<Integer>("an integer >= " + min) {
            @Override
            Integer parseTrimmed(String raw) throws BadValueException {
                if (!INTEGER.matcher(raw).matches()) {
                    throw new BadValueException("not an integer");
                }
                int value;
                try {
                    value = Integer.parseInt(raw);
                } catch (NumberFormatException e) {
                    throw new BadValueException("too large");
                }
                if (value < min) {
                    throw new BadValueException("below the minimum " + min);
                }
                return value;
            }
        };
    }

    /** N: an integer >= 1, or {@code auto} ({@link Settings#AUTO}): learned from the server's own timings. */
    public static SettingType<Integer> slotCount() {
        SettingType<Integer> whole = integer(1);
        return new Type<Integer>(whole.allowed() + ", or auto") {
            @Override
            Integer parseTrimmed(String raw) throws BadValueException {
                if (raw.equalsIgnoreCase("auto")) {
                    return Settings.AUTO;
                }
                return whole.parse(raw);
            }

            @Override
            public String format(Integer n) {
                return n == Settings.AUTO ? "auto" : String.valueOf(n);
            }
        };
    }

    public static SettingType<Double> decimal(double min) {
        String minText = plain(min);
        return new Type<Double>("a decimal number >= " + minText) {
            @Override
            Double parseTrimmed(String raw) throws BadValueException {
                if (!DECIMAL.matcher(raw).matches()) {
                    throw new BadValueException("not a decimal number");
                }
                double value = Double.parseDouble(raw);
                if (Double.isInfinite(value)) {
                    throw new BadValueException("too large");
                }
                if (value < min) {
                    throw new BadValueException("below the minimum " + minText);
                }
                return value;
            }

            @Override
            public String format(Double value) {
                return plain(value);
            }
        };
    }

    /** A share from 0 to 1, as a decimal number (0.02 is 2%). */
    public static SettingType<Double> share() {
        SettingType<Double> number = decimal(0);
        return new Type<Double>("a decimal number from 0 to 1 (0.02 = 2%)") {
            @Override
            Double parseTrimmed(String raw) throws BadValueException {
                double value = number.parse(raw);
                if (value > 1) {
                    throw new BadValueException("above 1");
                }
                return value;
            }

            @Override
            public String format(Double value) {
                return plain(value);
            }
        };
    }

    /** A share as {@link #share()}, or {@code off} ({@code -1}: no bound at all). */
    public static SettingType<Double> shareOrOff() {
        SettingType<Double> share = share();
        return new Type<Double>(share.allowed() + ", or off") {
            @Override
            Double parseTrimmed(String raw) throws BadValueException {
                return raw.equalsIgnoreCase("off") ? OFF : share.parse(raw);
            }

            @Override
            public String format(Double value) {
                return value == OFF ? "off" : share.format(value);
            }
        };
    }

    /** {@link #shareOrOff()}'s {@code off}. */
    public static final double OFF = -1;

    /** A duration above zero. */
    public static SettingType<Duration> positiveDuration() {
        return new Type<Duration>(Durations.ALLOWED.replace(">= 0", "> 0")) {
            @Override
            Duration parseTrimmed(String raw) throws BadValueException {
                Duration d = Durations.parse(raw);
                if (d.isZero()) {
                    throw new BadValueException("must be above zero");
                }
                return d;
            }

            @Override
            public String format(Duration d) {
                return Durations.format(d);
            }
        };
    }

    private static String plain(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    public static SettingType<Boolean> bool() {
        return new Type<Boolean>("true or false") {
            @Override
            Boolean parseTrimmed(String raw) throws BadValueException {
                if (raw.equalsIgnoreCase("true")) {
                    return Boolean.TRUE;
                }
                if (raw.equalsIgnoreCase("false")) {
                    return Boolean.FALSE;
                }
                throw new BadValueException("not a boolean");
            }
        };
    }

    /** A file path, or {@code none}. */
    public static SettingType<Optional<String>> pathOrNone() {
        return new Type<Optional<String>>("a file path, or none") {
            @Override
            Optional<String> parseTrimmed(String raw) throws BadValueException {
                if (raw.isEmpty()) {
                    throw new BadValueException("empty");
                }
                return raw.equalsIgnoreCase("none") ? Optional.<String>empty() : Optional.of(raw);
            }

            @Override
            public String format(Optional<String> p) {
                return p.orElse("none");
            }
        };
    }

    public static SettingType<String> headerName() {
        return new Type<String>("an HTTP header name (letters, digits, -)") {
            @Override
            String parseTrimmed(String raw) throws BadValueException {
                if (!HTTP_TOKEN.matcher(raw).matches()) {
                    throw new BadValueException("not a valid HTTP header name");
                }
                return raw;
            }
        };
    }

    public static SettingType<Duration> duration() {
        return new Type<Duration>(Durations.ALLOWED) {
            @Override
            Duration parseTrimmed(String raw) throws BadValueException {
                return Durations.parse(raw);
            }

            @Override
            public String format(Duration value) {
                return Durations.format(value);
            }
        };
    }

    /** A duration that never has "none"; Optional only because a derived value may be absent. */
    public static SettingType<Optional<Duration>> derivableDuration() {
        return new OptionalDuration(Durations.ALLOWED, false);
    }

    /** A duration where {@code none}/{@code off} means "no limit": empty Optional. */
    public static SettingType<Optional<Duration>> durationOrNone() {
        return new OptionalDuration(Durations.ALLOWED + ", or none", true);
    }

    /** A duration, empty when absent; {@code none}/{@code off} are allowed only when {@code noneAllowed}. */
    private static final class OptionalDuration extends Type<Optional<Duration>> {
        private final boolean noneAllowed;

        OptionalDuration(String allowed, boolean noneAllowed) {
            super(allowed);
            this.noneAllowed = noneAllowed;
        }

        @Override
        Optional<Duration> parseTrimmed(String raw) throws BadValueException {
            if (noneAllowed && (raw.equalsIgnoreCase("none") || raw.equalsIgnoreCase("off"))) {
                return Optional.empty();
            }
            return Optional.of(Durations.parse(raw));
        }

        @Override
        public String format(Optional<Duration> d) {
            return d.isPresent() ? Durations.format(d.get()) : "none";
        }
    }

    public static <E extends Enum<E>> SettingType<E> enumOf(Class<E> type) {
        StringJoiner names = new StringJoiner(", ", "one of ", "");
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        return new Type<E>(names.toString()) {
            @Override
            E parseTrimmed(String raw) throws BadValueException {
                for (E e : type.getEnumConstants()) {
                    if (e.name().equalsIgnoreCase(raw)) {
                        return e;
                    }
                }
                throw new BadValueException("not a known value");
            }

            @Override
            public String format(E e) {
                return e.name().toLowerCase(Locale.ROOT);
            }
        };
    }

    /** Comma-separated, trimmed, empty entries dropped. */
    public static SettingType<List<String>> list() {
        return list("a comma-separated list", null);
    }

    /** Classes or packages, optionally one method: {@code com.acme.chat.*}, {@code com.acme.Batch#run}. */
    public static SettingType<List<String>> stackPatterns() {
        return list("a comma-separated list of class or package patterns (Java names, * wildcard), "
                + "each optionally with #method", new Parser<String>() {
                    @Override
                    public String parse(String raw) throws BadValueException {
                        return StackPatterns.check(raw);
                    }
                });
    }

    public static SettingType<List<Endpoint>> endpoints() {
        return new ListType<Endpoint>("a comma-separated list of [name@][http[s]://]host[:port][/path], IPv6 as [::1]:11434;"
                + " port defaults to 11434; endpoints with the same name are one server") {
            @Override
            Endpoint element(String entry) throws BadValueException {
                return Endpoint.parse(entry);
            }

            @Override
            List<Endpoint> parseTrimmed(String raw) throws BadValueException {
                List<Endpoint> result = super.parseTrimmed(raw);
                if (result.isEmpty()) {
                    throw new BadValueException("no endpoint given");
                }
                return result;
            }
        };
    }

    /** A list of strings, each checked by {@code element} (null: taken as it is). */
    private static SettingType<List<String>> list(String allowed, Parser<String> element) {
        return new ListType<String>(allowed) {
            @Override
            String element(String entry) throws BadValueException {
                return element == null ? entry : element.parse(entry);
            }
        };
    }

    /** Comma-separated elements, each parsed by {@link #element}; printed comma-joined. */
    private abstract static class ListType<T> extends Type<List<T>> {
        ListType(String allowed) {
            super(allowed);
        }

        abstract T element(String entry) throws BadValueException;

        @Override
        List<T> parseTrimmed(String raw) throws BadValueException {
            List<T> result = new ArrayList<>();
            for (String entry : split(raw)) {
                result.add(element(entry));
            }
            return Collections.unmodifiableList(result);
        }

        @Override
        public String format(List<T> values) {
            return join(values);
        }
    }

    static List<String> split(String raw) {
        List<String> result = new ArrayList<>();
        for (String piece : raw.split(",")) {
            String trimmed = piece.trim();
            if (!trimmed.isEmpty()) {
                result.add(trimmed);
            }
        }
        return result;
    }

    private static String join(List<?> values) {
        StringJoiner joiner = new StringJoiner(",");
        for (Object v : values) {
            joiner.add(String.valueOf(v));
        }
        return joiner.toString();
    }
}
