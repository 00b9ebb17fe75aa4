package dev.rtbe.bench.overhead;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** What a forked start-up JVM reports of itself: its peak resident memory, read from Linux's /proc. */
final class PeakMemory {
    static final String KEY = "peak-rss-kb";

    private PeakMemory() {}

    /** Prints {@code peak-rss-kb N} (VmHWM), or nothing where /proc is not there. */
    static void print() {
        try (FileInputStream in = new FileInputStream("/proc/self/status")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.startsWith("VmHWM:")) {
                    System.out.println(KEY + " " + line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            // not Linux: the start-up table shows no memory figure
        }
    }
}
