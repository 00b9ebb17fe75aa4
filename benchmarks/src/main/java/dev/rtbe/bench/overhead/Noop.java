package dev.rtbe.bench.overhead;

/** Start-up measurement: a JVM that does nothing but start (and load the agent, when attached). */
public final class Noop {
    private Noop() {}

    public static void main(String[] args) {
        System.out.println("ok");
        PeakMemory.print();
    }
}
