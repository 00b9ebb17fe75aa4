package dev.rtbe.agent.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.Function;
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

    /** A type from a parser, an allowed-values text and a printer. */
    private static <T> SettingType<T> of(String allowed, Parser<T> parser, Function<T, String> printer) {
        return new SettingType<T>() {
            @Override
            public T parse(String raw) throws BadValueException {
                return parser.parse(raw.trim());
            }

            @Override
            public String allowed() {
                return allowed;
            }

            @Override
            public String format(T value) {
                return printer.apply(value);
            }
        };
    }

    public static SettingType<Integer> integer(int min) {
        return of("an integer >= " + min, raw -> {
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
        }, String::valueOf);
    }

    /** N: an integer >= 1, or {@code auto} ({@link Settings#AUTO}): learned from the server's own timings. */
    public static SettingType<Integer> slotCount() {
        SettingType<Integer> whole = integer(1);
        return of(whole.allowed() + ", or auto", raw -> {
            if (raw.equalsIgnoreCase("auto")) {
                return Settings.AUTO;
            }
            return whole.parse(raw);
        }, n -> n == Settings.AUTO ? "auto" : String.valueOf(n));
    }

    public static SettingType<Double> decimal(double min) {
        String minText = plain(min);
        return of("a decimal number >= " + minText, raw -> {
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
        }, Types::plain);
    }

    /** A share from 0 to 1, as a decimal number (0.02 is 2%). */
    public static SettingType<Double> share() {
        SettingType<Double> number = decimal(0);
        return of("a decimal number from 0 to 1 (0.02 = 2%)", raw -> {
            double value = number.parse(raw);
            if (value > 1) {
                throw new BadValueException("above 1");
            }
            return value;
        }, Types::plain);
    }

    /** A duration above zero. */
    public static SettingType<Duration> positiveDuration() {
        return of(Durations.ALLOWED.replace(">= 0", "> 0"), raw -> {
            Duration d = Durations.parse(raw);
            if (d.isZero()) {
                throw new BadValueException("must be above zero");
            }
            return d;
        }, Durations::format);
    }

    private static String plain(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    public static SettingType<Boolean> bool() {
        return of("true or false", raw -> {
            if (raw.equalsIgnoreCase("true")) {
                return Boolean.TRUE;
            }
            if (raw.equalsIgnoreCase("false")) {
                return Boolean.FALSE;
            }
            throw new BadValueException("not a boolean");
        }, String::valueOf);
    }

    /** A file path, or {@code none}. */
    public static SettingType<Optional<String>> pathOrNone() {
        return of("a file path, or none", raw -> {
            if (raw.isEmpty()) {
                throw new BadValueException("empty");
            }
            return raw.equalsIgnoreCase("none") ? Optional.<String>empty() : Optional.of(raw);
        }, p -> p.orElse("none"));
    }

    public static SettingType<String> headerName() {
        return of("an HTTP header name (letters, digits, -)", raw -> {
            if (!HTTP_TOKEN.matcher(raw).matches()) {
                throw new BadValueException("not a valid HTTP header name");
            }
            return raw;
        }, s -> s);
    }

    public static SettingType<Duration> duration() {
        return of(Durations.ALLOWED, Durations::parse, Durations::format);
    }

    /** A duration that never has "none"; Optional only because a derived value may be absent. */
    public static SettingType<Optional<Duration>> derivableDuration() {
        return of(Durations.ALLOWED, raw -> Optional.of(Durations.parse(raw)), Types::formatOptional);
    }

    /** A duration where {@code none}/{@code off} means "no limit": empty Optional. */
    public static SettingType<Optional<Duration>> durationOrNone() {
        return of(Durations.ALLOWED + ", or none", raw -> {
            if (raw.equalsIgnoreCase("none") || raw.equalsIgnoreCase("off")) {
                return Optional.empty();
            }
            return Optional.of(Durations.parse(raw));
        }, Types::formatOptional);
    }

    private static String formatOptional(Optional<Duration> d) {
        return d.map(Durations::format).orElse("none");
    }

    public static <E extends Enum<E>> SettingType<E> enumOf(Class<E> type) {
        StringJoiner names = new StringJoiner(", ", "one of ", "");
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        return of(names.toString(), raw -> {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(raw)) {
                    return e;
                }
            }
            throw new BadValueException("not a known value");
        }, e -> e.name().toLowerCase(Locale.ROOT));
    }

    /** Comma-separated, trimmed, empty entries dropped. */
    public static SettingType<List<String>> list() {
        return list("a comma-separated list", raw -> raw);
    }

    /** Classes or packages, optionally one method: {@code com.acme.chat.*}, {@code com.acme.Batch#run}. */
    public static SettingType<List<String>> stackPatterns() {
        return list("a comma-separated list of class or package patterns (Java names, * wildcard), "
                + "each optionally with #method", StackPatterns::check);
    }

    public static SettingType<List<Endpoint>> endpoints() {
        return of("a comma-separated list of [name@][http[s]://]host[:port][/path], IPv6 as [::1]:11434; port defaults to 11434;"
                        + " endpoints with the same name are one server",
                raw -> {
                    List<Endpoint> result = new ArrayList<>();
                    for (String entry : split(raw)) {
                        result.add(Endpoint.parse(entry));
                    }
                    if (result.isEmpty()) {
                        throw new BadValueException("no endpoint given");
                    }
                    return Collections.unmodifiableList(result);
                }, Types::join);
    }

    private static <T> SettingType<List<T>> list(String allowed, Parser<T> element) {
        return of(allowed, raw -> {
            List<T> result = new ArrayList<>();
            for (String entry : split(raw)) {
                result.add(element.parse(entry));
            }
            return Collections.unmodifiableList(result);
        }, Types::join);
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
