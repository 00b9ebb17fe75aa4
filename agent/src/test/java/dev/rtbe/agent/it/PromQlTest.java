package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rtbe.agent.it.PromQl.Grouping;
import dev.rtbe.agent.it.PromQl.LabelMatcher;
import dev.rtbe.agent.it.PromQl.Query;
import dev.rtbe.agent.it.PromQl.Selector;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void aQuantileOverAHistogramNamesTheBucketsItsMatchersAndItsGroupingLabels() {
        Query q = PromQl.parse("histogram_quantile(0.95, sum by (le, rtbe_priority) "
                + "(rate(rtbe_queue_wait_seconds_bucket{job=~\"$service\", rtbe_server=~\"${server}\"}[$__rate_interval])))");
        Selector buckets = new Selector("rtbe_queue_wait_seconds_bucket", List.of(
                new LabelMatcher("job", "=~", "$service"), new LabelMatcher("rtbe_server", "=~", "${server}")));
        assertEquals(List.of(buckets), q.selectors());
        assertEquals(List.of(new Grouping("by", List.of("le", "rtbe_priority"), List.of(buckets))), q.groupings());
    }

    @Test
    void groupingAfterTheArgumentAppliesToTheArgument() {
        Query q = PromQl.parse("60 * sum(rate(a_total[5m])) by (reason) + on_call_total / count(b) without (x)");
        assertEquals(List.of("a_total", "on_call_total", "b"), q.selectors().stream().map(Selector::metric).toList());
        assertEquals(List.of(new Grouping("by", List.of("reason"), List.of(new Selector("a_total", List.of()))),
                new Grouping("without", List.of("x"), List.of(new Selector("b", List.of())))), q.groupings());
    }

    @Test
    void onlyTheAggregatedSelectorsCarryTheGroupingLabels() {
        Query q = PromQl.parse("max by (server) (limit) - sum by (server, model) (in_use{model=\"m\"}) > bool 0");
        assertEquals(List.of(new Selector("limit", List.of())), q.groupings().get(0).selectors());
        assertEquals(List.of(new Selector("in_use", List.of(new LabelMatcher("model", "=", "m")))),
                q.groupings().get(1).selectors());
    }

    @Test
    void escapedQuotesInValuesAndAllMatchOperators() {
        Query q = PromQl.parse("x{a=\"q\\\"uote\", b!=\"1\", c!~'2', d=~`3`}");
        assertEquals(List.of(new LabelMatcher("a", "=", "q\"uote"), new LabelMatcher("b", "!=", "1"),
                new LabelMatcher("c", "!~", "2"), new LabelMatcher("d", "=~", "3")), q.selectors().get(0).matchers());
    }

    @Test
    void grafanaLabelValuesQueries() {
        PromQl.LabelValues v = PromQl.labelValues("label_values(rtbe_slots_limit{job=~\"$service\"}, rtbe_server)");
        assertEquals("rtbe_server", v.label());
        assertEquals("rtbe_slots_limit", v.query().selectors().get(0).metric());
        assertThrows(IllegalArgumentException.class, () -> PromQl.labelValues("query_result(up)"));
    }

    @Test
    void whatItCannotCheckIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PromQl.parse("a / on (x) b"));
        assertThrows(IllegalArgumentException.class, () -> PromQl.parse("{__name__=\"a\"}"));
        assertThrows(IllegalArgumentException.class, () -> PromQl.parse("a{__name__=\"b\"}"));
        assertThrows(IllegalArgumentException.class, () -> PromQl.parse("a @ 100"));
        assertThrows(IllegalArgumentException.class, () -> PromQl.parse("rate(a[5m] offset 1h)"));
        assertThrows(IllegalArgumentException.class, () -> PromQl.parse("sum by (x) 3"));
        assertThrows(IllegalArgumentException.class, () -> PromQl.parse("sum(rate(a[5m])"));
        assertThrows(IllegalArgumentException.class, () -> PromQl.parse("a{x=\"1\""));
    }
}
