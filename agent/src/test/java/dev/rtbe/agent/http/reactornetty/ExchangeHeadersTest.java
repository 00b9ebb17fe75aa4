package dev.rtbe.agent.http.reactornetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.client.ClientRequest;

/** WebClient's headers, applied inside the exchange, are readable while its exchange function runs. */
class ExchangeHeadersTest {
    @Test
    void theRequestBeingExchangedOnThisThreadShowsItsHeadersAndOnlyThen() {
        ClientRequest outer = ClientRequest.create(HttpMethod.POST, URI.create("http://127.0.0.1:11434/api/chat"))
                .header("X-Rtbe-Priority", "rt").build();
        ClientRequest inner = ClientRequest.from(outer).headers(h -> h.set("X-Rtbe-Priority", "be")).build();
        assertNull(ExchangeHeaders.current("X-Rtbe-Priority"));
        Object first = ExchangeHeaders.enter(outer);
        assertEquals("rt", ExchangeHeaders.current("X-Rtbe-Priority"));
        Object second = ExchangeHeaders.enter(inner); // a filter's nested exchange
        assertEquals("be", ExchangeHeaders.current("x-rtbe-priority"));
        ExchangeHeaders.exit(second);
        assertEquals("rt", ExchangeHeaders.current("X-Rtbe-Priority"));
        assertNull(ExchangeHeaders.current("X-Other"));
        ExchangeHeaders.exit(first);
        assertNull(ExchangeHeaders.current("X-Rtbe-Priority"));
    }
}
