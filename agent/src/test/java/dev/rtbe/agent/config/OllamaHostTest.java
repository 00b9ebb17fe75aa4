package dev.rtbe.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** OLLAMA_HOST is read as Ollama's envconfig.Host reads it. */
class OllamaHostTest {

    @Test
    void hostAlone() throws Exception {
        assertEquals("gpu-box:11434", OllamaHost.toEndpoints("gpu-box"));
    }

    @Test
    void hostAndPort() throws Exception {
        assertEquals("gpu-box:9999", OllamaHost.toEndpoints(" gpu-box:9999 "));
    }

    @Test
    void schemeWithPort() throws Exception {
        assertEquals("http://gpu-box:11434", OllamaHost.toEndpoints("http://gpu-box:11434"));
    }

    @Test
    void schemeWithoutPortUsesTheSchemePort() throws Exception {
        assertEquals("http://gpu-box:80", OllamaHost.toEndpoints("http://gpu-box"));
        assertEquals("https://gpu-box:443/ollama", OllamaHost.toEndpoints("https://gpu-box/ollama"));
    }

    @Test
    void bindAllAddressesMeanThisMachine() throws Exception {
        assertEquals("localhost:11434,127.0.0.1:11434", OllamaHost.toEndpoints("0.0.0.0"));
        assertEquals("localhost:8080,127.0.0.1:8080", OllamaHost.toEndpoints("0.0.0.0:8080"));
        assertEquals("localhost:11434,127.0.0.1:11434", OllamaHost.toEndpoints(":11434"));
        assertEquals("localhost:11434,127.0.0.1:11434", OllamaHost.toEndpoints("[::]:11434"));
        assertEquals("http://localhost:80,http://127.0.0.1:80", OllamaHost.toEndpoints("http://0.0.0.0"));
    }

    @Test
    void ipv6() throws Exception {
        assertEquals("[::1]:11434", OllamaHost.toEndpoints("[::1]:11434"));
        assertEquals("[::1]:11434", OllamaHost.toEndpoints("::1"));
        assertEquals("[::1]:11434", OllamaHost.toEndpoints("[::1]"));
    }

    @Test
    void otherSchemesAreRejected() {
        BadValueException e = assertThrows(BadValueException.class, () -> OllamaHost.toEndpoints("ftp://x"));
        assertEquals("scheme \"ftp\" is not http or https", e.reason());
        assertEquals(OllamaHost.ALLOWED, e.allowedOverride());
    }
}
