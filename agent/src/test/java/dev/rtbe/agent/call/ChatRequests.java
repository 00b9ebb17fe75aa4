package dev.rtbe.agent.call;

import java.net.URI;

/** A bodiless POST to the default endpoint's /api/chat, for tests whose body is read elsewhere or not at all. */
public final class ChatRequests {
    public static final RequestView CHAT = new RequestView() {
        @Override
        public URI uri() {
            return URI.create("http://127.0.0.1:11434/api/chat");
        }

        @Override
        public String method() {
            return "POST";
        }

        @Override
        public String header(String name) {
            return null;
        }

        @Override
        public byte[] body(int maxBytes) {
            return null;
        }
    };

    private ChatRequests() {}
}
