package dev.rtbe.simulator;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

/** Deterministic unit-length embedding vectors: the same text always gets the same vector. */
final class Embeddings {
    /** Small on purpose: tests read the vectors, nobody searches with them. */
    static final int DIMENSIONS = 16;

    private Embeddings() {}

    static float[] vector(String text) {
        SplittableRandom random = new SplittableRandom(text.hashCode() * 0x9E3779B97F4A7C15L + text.length());
        double[] v = new double[DIMENSIONS];
        double norm = 0;
        for (int i = 0; i < DIMENSIONS; i++) {
            v[i] = random.nextDouble(-1, 1);
            norm += v[i] * v[i];
        }
        norm = Math.sqrt(norm);
        float[] out = new float[DIMENSIONS];
        for (int i = 0; i < DIMENSIONS; i++) out[i] = (float) (v[i] / norm);
        return out;
    }

    /** JSON numbers as Ollama writes float32s: the shortest decimal that reads back as the same float. */
    static List<Object> asList(float[] v) {
        List<Object> out = new ArrayList<>(v.length);
        for (float f : v) out.add(Double.parseDouble(Float.toString(f)));
        return out;
    }

    /** OpenAI's encoding_format=base64: little-endian float32s. */
    static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return Base64.getEncoder().encodeToString(b.array());
    }
}
