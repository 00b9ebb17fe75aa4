package dev.rtbe.agent.ledger.redis;

import java.util.ArrayList;
import java.util.List;

/**
 * What a script answered: a status, three values, the pool's counts (RT and BE holding and
 * waiting, N and R as stored), then notices as (member, notice) pairs.
 */
final class Reply {
    final String status;
    final String[] values;
    final int[] counts;
    final List<String[]> notices;

    private Reply(String status, String[] values, int[] counts, List<String[]> notices) {
        this.status = status;
        this.values = values;
        this.counts = counts;
        this.notices = notices;
    }

    static Reply parse(Object raw) {
        List<?> list = (List<?>) raw;
        String[] values = {text(list.get(1)), text(list.get(2)), text(list.get(3))};
        int[] counts = new int[6];
        for (int i = 0; i < 6; i++) {
            counts[i] = (int) (long) (Long) list.get(4 + i);
        }
        List<String[]> notices = new ArrayList<>();
        for (int i = 10; i + 1 < list.size(); i += 2) {
            notices.add(new String[] {text(list.get(i)), text(list.get(i + 1))});
        }
        return new Reply(text(list.get(0)), values, counts, notices);
    }

    private static String text(Object o) {
        return o instanceof byte[] ? new String((byte[]) o, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(o);
    }

    long longValue(int i) {
        return Long.parseLong(values[i]);
    }
}
