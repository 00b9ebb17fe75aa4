package dev.rtbe.sample.demo.pools;

/** The agent's current N for one model's pool, read from its MXBean at {@code tNs} (real ns from the run's start). */
public record NSample(String model, long tNs, int n) {

    String toLine() {
        return "N\t" + model + "\t" + tNs + "\t" + n;
    }

    static NSample parse(String[] f) {
        return new NSample(f[1], Long.parseLong(f[2]), Integer.parseInt(f[3]));
    }
}
