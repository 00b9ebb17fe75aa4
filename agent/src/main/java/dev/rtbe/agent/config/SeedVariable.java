package dev.rtbe.agent.config;

import java.util.regex.Pattern;

/**
 * An environment variable of the Python seed that maps onto one setting. The seed read these in its
 * own formats (seconds as plain numbers, Ollama's host syntax), so each carries a translation into
 * the setting's syntax. Unlike the seed, a value that does not parse is reported, never ignored.
 */
public final class SeedVariable {
    /** How a seed value becomes the setting's syntax (a switch, not lambdas: this runs at premain). */
    private enum Translation { PLAIN, INTEGER, SECONDS, OLLAMA_HOST }

    private static final Pattern SECONDS = Pattern.compile("\\d+(\\.\\d*)?|\\.\\d+");
    private static final Pattern WHOLE = Pattern.compile("[+-]?\\d+");

    private final String name;
    private final Translation translation;

    private SeedVariable(String name, Translation translation) {
        this.name = name;
        this.translation = translation;
    }

    /** Same syntax as the setting. */
    static SeedVariable plain(String name) {
        return new SeedVariable(name, Translation.PLAIN);
    }

    /** An integer, as Ollama reads OLLAMA_NUM_PARALLEL: the setting's own words (such as auto) do not apply. */
    static SeedVariable integer(String name) {
        return new SeedVariable(name, Translation.INTEGER);
    }

    /** A number of seconds, as the seed's float(os.getenv(...)) read it. */
    static SeedVariable seconds(String name) {
        return new SeedVariable(name, Translation.SECONDS);
    }

    static SeedVariable ollamaHost(String name) {
        return new SeedVariable(name, Translation.OLLAMA_HOST);
    }

    public String name() {
        return name;
    }

    String translate(String raw) throws BadValueException {
        switch (translation) {
            case INTEGER:
                if (!WHOLE.matcher(raw.trim()).matches()) {
                    throw new BadValueException("not an integer", "an integer >= 1");
                }
                return raw.trim();
            case SECONDS:
                if (!SECONDS.matcher(raw.trim()).matches()) {
                    throw new BadValueException("not a number of seconds", "a number of seconds >= 0, e.g. 60 or 0.5");
                }
                return raw.trim() + "s";
            case OLLAMA_HOST:
                return OllamaHost.toEndpoints(raw);
            default:
                return raw;
        }
    }
}
