package dev.rtbe.agent.config;

/** A setting's value as written, and where it was written. */
final class RawValue {
    final String value;
    final Source source;
    final String detail; // variable name or file path; null when the source says it all
    final SeedVariable seed; // set for seed variables, whose syntax needs translating

    RawValue(String value, Source source, String detail, SeedVariable seed) {
        this.value = value;
        this.source = source;
        this.detail = detail;
        this.seed = seed;
    }

    static RawValue of(String value, Source source) {
        return new RawValue(value, source, null, null);
    }

    /** "system property", "environment variable RTBE_SLOTS_TOTAL", "seed variable OLLAMA_HOST", ... */
    String origin() {
        return detail == null ? source.label : source.label + " " + detail;
    }
}
