package dev.rtbe.agent.config;

/** How one setting's raw string becomes a typed value, and how that value is shown again. */
public interface SettingType<T> {

    T parse(String raw) throws BadValueException;

    /** What is accepted, as the end of a sentence: "an integer >= 1". */
    String allowed();

    /** The value in the same syntax {@link #parse} accepts, for the start-up line and the JMX view. */
    default String format(T value) {
        return String.valueOf(value);
    }
}
