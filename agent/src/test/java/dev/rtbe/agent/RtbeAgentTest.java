package dev.rtbe.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.http.ClientInstrumentation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RtbeAgentTest {
    /** The classes the system loader may load from the agent's jar before the jar is on the boot class path. */
    private static final Set<String> PREMAIN_SIDE = Set.of("dev/rtbe/agent/RtbeAgent", "dev/rtbe/agent/ClientWatch");

    @Test
    void theWatchedPrefixesAreTheClientsOwn() {
        Set<String> clients = new TreeSet<>();
        for (ClientInstrumentation client : AgentStarter.instrumentations()) {
            clients.addAll(client.classPrefixes());
        }
        assertEquals(clients, new TreeSet<>(Arrays.asList(RtbeAgent.CLIENT_PREFIXES)));
    }

    /**
     * ClientWatch looks at no name in java.base but those of java.net.HttpURLConnection's subclasses:
     * the JDK's HttpURLConnection is the one class there that a client instruments.
     */
    @Test
    void theOnlyClientClassesInJavaBaseAreHttpUrlConnections() throws Exception {
        Set<String> watched = new TreeSet<>();
        for (String pkg : Object.class.getModule().getPackages()) {
            String internal = pkg.replace('.', '/') + "/";
            for (String prefix : RtbeAgent.CLIENT_PREFIXES) {
                // the package lies under the prefix, or the prefix names classes of the package
                if (internal.startsWith(prefix)
                        || prefix.startsWith(internal) && prefix.indexOf('/', internal.length()) < 0) {
                    watched.add(pkg);
                }
            }
        }
        // HttpURLConnection's package (and its ntlm helpers, which nothing instruments)
        assertEquals(Set.of("sun.net.www.protocol.http", "sun.net.www.protocol.http.ntlm"), watched);
        assertEquals(java.net.HttpURLConnection.class,
                Class.forName("sun.net.www.protocol.http.HttpURLConnection").getSuperclass());
    }

    /**
     * Boot-loaded code would get its own copy of any other agent class these two named (and the
     * system loader one before the jar is on the boot class path): they name only each other.
     */
    @Test
    void thePremainSideNamesNoOtherClassOfTheAgent() throws IOException {
        for (String name : PREMAIN_SIDE) {
            Set<String> named = new TreeSet<>();
            Matcher m = Pattern.compile("dev/rtbe/[A-Za-z0-9_/$]+").matcher(classFile(name));
            while (m.find()) {
                named.add(m.group());
            }
            named.removeAll(PREMAIN_SIDE);
            assertEquals(Set.of(), named, name);
        }
    }

    @Test
    void settingsAreReadAtPremainOnlyWhenStrictModeOrASettingsFileMayBeAsked() {
        // The build's own JVM sets neither rtbe.strict nor rtbe.config.file, nor their environment variables.
        assertFalse(RtbeAgent.settingsNeededNow(null));
        assertFalse(RtbeAgent.settingsNeededNow("slots.total=3,endpoints=a:1,b:2"));
        assertTrue(RtbeAgent.settingsNeededNow("slots.total=3,strict=true"));
        assertTrue(RtbeAgent.settingsNeededNow("rtbe.config.file=/etc/rtbe.properties"));
        System.setProperty("rtbe.strict", "false");
        try {
            assertTrue(RtbeAgent.settingsNeededNow(null));
        } finally {
            System.clearProperty("rtbe.strict");
        }
    }

    private static String classFile(String internalName) throws IOException {
        try (InputStream in = RtbeAgent.class.getResourceAsStream("/" + internalName + ".class")) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
