package dev.rtbe.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class EndpointTest {

    private static String reason(String raw) {
        return assertThrows(BadValueException.class, () -> Endpoint.parse(raw)).reason();
    }

    @Test
    void parsesHostPortAndDefaults() throws Exception {
        Endpoint e = Endpoint.parse("LocalHost:8080");
        assertEquals("localhost", e.host());
        assertEquals(8080, e.port());
        assertEquals(Optional.empty(), e.scheme());
        assertEquals("", e.pathPrefix());
        assertEquals(11434, Endpoint.parse("ollama").port());
        assertEquals(11434, Endpoint.parse("http://ollama").port());
    }

    @Test
    void parsesSchemeAndPathPrefix() throws Exception {
        Endpoint e = Endpoint.parse("HTTPS://gpu.example:443/ollama/");
        assertEquals(Optional.of("https"), e.scheme());
        assertEquals("/ollama", e.pathPrefix());
        assertEquals("https://gpu.example:443/ollama", e.toString());
    }

    @Test
    void parsesBracketedIpv6() throws Exception {
        Endpoint e = Endpoint.parse("[::1]:11434");
        assertEquals("0:0:0:0:0:0:0:1", e.host());
        assertEquals("[0:0:0:0:0:0:0:1]:11434", e.toString());
        assertEquals(11434, Endpoint.parse("[fe80::1]").port());
    }

    @Test
    void rejectsBadEntries() {
        assertEquals("endpoint \"::1\": IPv6 addresses need brackets, e.g. [::1]:11434", reason("::1"));
        assertEquals("endpoint \"[::1:11434\" has an unclosed '['", reason("[::1:11434"));
        assertEquals("endpoint \"[zz::1]\": \"zz::1\" is not an IPv6 address", reason("[zz::1]"));
        assertEquals("endpoint \"[::1]x\" has text after ']'", reason("[::1]x"));
        assertEquals("endpoint \"host:0\": port \"0\" is not 1-65535", reason("host:0"));
        assertEquals("endpoint \"host:70000\": port \"70000\" is not 1-65535", reason("host:70000"));
        assertEquals("endpoint \"host:http\": port \"http\" is not 1-65535", reason("host:http"));
        assertEquals("endpoint \"ftp://host\" has scheme \"ftp\"; only http and https are supported",
                reason("ftp://host"));
        assertEquals("endpoint \":11434\" has no host", reason(":11434"));
        assertEquals("endpoint \"ho st\": \"ho st\" is not a host name", reason("ho st"));
        assertEquals("endpoint \"host/x?y=1\" must not contain a query, fragment or user", reason("host/x?y=1"));
        assertEquals("empty endpoint", reason(" "));
    }

    @Test
    void hostIsCaseInsensitiveAndPortMustMatch() throws Exception {
        Endpoint e = Endpoint.parse("localhost:11434");
        assertTrue(e.matches("http", "LOCALHOST", 11434, "/api/chat"));
        assertTrue(e.matches("https", "localhost", 11434, "/")); // no scheme given: any scheme
        assertFalse(e.matches("http", "localhost", 11435, "/api/chat"));
        assertFalse(e.matches("http", "127.0.0.1", 11434, "/api/chat"));
        assertFalse(e.matches("http", null, 11434, "/api/chat"));
    }

    @Test
    void schemeMustMatchWhenGiven() throws Exception {
        Endpoint e = Endpoint.parse("https://gpu:443");
        assertTrue(e.matches("HTTPS", "gpu", 443, "/api/chat"));
        assertTrue(e.matches("https", "gpu", -1, "/api/chat")); // -1: the scheme's default port
        assertFalse(e.matches("http", "gpu", 443, "/api/chat"));
    }

    @Test
    void pathPrefixEndsAtSegmentBoundary() throws Exception {
        Endpoint e = Endpoint.parse("localhost:11434/ollama");
        assertTrue(e.matches("http", "localhost", 11434, "/ollama"));
        assertTrue(e.matches("http", "localhost", 11434, "/ollama/api/chat"));
        assertFalse(e.matches("http", "localhost", 11434, "/ollamax/api/chat"));
        assertFalse(e.matches("http", "localhost", 11434, "/api/chat"));
        assertFalse(e.matches("http", "localhost", 11434, null));
    }

    @Test
    void ipv6MatchesInAnySpelling() throws Exception {
        Endpoint e = Endpoint.parse("[::1]:11434");
        assertTrue(e.matches("http", "[::1]", 11434, "/api/chat"));
        assertTrue(e.matches("http", "::1", 11434, "/api/chat"));
        assertTrue(e.matches("http", "0:0:0:0:0:0:0:1", 11434, "/api/chat"));
        assertFalse(e.matches("http", "[::2]", 11434, "/api/chat"));
        assertFalse(e.matches("http", "[::1]", 80, "/api/chat"));
        assertFalse(e.matches("http", "localhost", 11434, "/api/chat"));
    }

    @Test
    void equalityUsesCanonicalForm() throws Exception {
        assertEquals(Endpoint.parse("[::1]:11434"), Endpoint.parse("[0:0::1]"));
        assertEquals(Endpoint.parse("Host:1/p/").hashCode(), Endpoint.parse("host:1/p").hashCode());
    }
}
