/**
 * Gating for {@code java.net.HttpURLConnection} ({@code new URL(...).openConnection()}), as the JDK
 * implements it in {@code sun.net.www.protocol.http.HttpURLConnection} (HTTPS connections delegate
 * to a subclass of it). All types are in {@code java.base}, so everything here is boot-loaded.
 *
 * <ul>
 *   <li><b>Where the call waits.</b> On the application's thread, just before the request leaves:
 *       in {@code getInputStream()} (also reached through {@code getResponseCode()},
 *       {@code getHeaderField()}, ...) for the default mode, where the JDK buffers the body written
 *       to {@code getOutputStream()} and sends it with the head; in {@code getOutputStream()} in
 *       fixed-length or chunked streaming mode, where the head leaves there. {@code connect()}
 *       alone sends nothing and is not gated (the socket it opens idles while the call waits).</li>
 *   <li><b>Classification.</b> Header, stack, thread rules, then the streaming rule, then the
 *       default. The streaming rule needs the body: it is read from the JDK's in-memory buffer in
 *       the default mode; in streaming modes (which, for example, Spring's
 *       {@code SimpleClientHttpRequestFactory} uses) the body is never seen, so only the header,
 *       stack, thread and default rules apply.</li>
 *   <li><b>Header.</b> The classification header is removed from the connection's request headers
 *       before the head is written (the public API cannot remove a header; see
 *       {@link dev.rtbe.agent.http.urlconnection.SunHttpAccess}).</li>
 *   <li><b>Timeouts.</b> The connect timeout, when set, also bounds the queue wait and fails as
 *       {@link java.net.SocketTimeoutException}; an interrupt while waiting fails as
 *       {@link java.io.InterruptedIOException} with the interrupt status kept; a scheduler
 *       rejection is thrown as is (an IOException). Every later network method of that connection
 *       repeats the failure. The read timeout applies to reads only.</li>
 *   <li><b>Release.</b> At the body stream's end, close or read failure (a close before the end
 *       disconnects first, so the server stops generating); at {@code disconnect()};
 *       when {@code getInputStream()} fails (including a 4xx/5xx status, whose error body is not
 *       waited for); when the connection becomes unreachable unread; or at
 *       {@code rtbe.slots.max-hold}.</li>
 *   <li><b>One slot per logical call.</b> Redirects and the JDK's own single retry happen inside
 *       {@code getInputStream()}, under the same slot. Only the outermost hooked method on a thread
 *       acts, since the JDK calls {@code getInputStream()} from its own methods.</li>
 * </ul>
 *
 * <p>Known limits: a redirect from a host that is not an endpoint to one that is stays ungated;
 * a connection driven by two threads at once is gated by the first; on JDKs whose connection
 * methods are {@code synchronized} (before the switch to a lock, e.g. JDK 11) the wait holds that
 * connection's own monitor.
 */
package dev.rtbe.agent.http.urlconnection;
