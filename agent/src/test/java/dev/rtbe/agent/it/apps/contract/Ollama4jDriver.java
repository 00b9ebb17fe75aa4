package dev.rtbe.agent.it.apps.contract;

import io.github.ollama4j.Ollama;
import io.github.ollama4j.models.chat.OllamaChatMessageRole;
import io.github.ollama4j.models.chat.OllamaChatRequest;
import io.github.ollama4j.models.chat.OllamaChatResult;
import io.github.ollama4j.utils.OptionsBuilder;

/**
 * ollama4j: {@code Ollama.chat}, blocking on the caller's thread, with a token handler for a
 * stream (also on the caller's thread). It sets no per-request header and has no way to stop a
 * stream but throwing from the handler.
 */
final class Ollama4jDriver implements ClientDriver {
    @Override
    public String describe() {
        return "ollama4j " + Ollama.class.getProtectionDomain().getCodeSource().getLocation().getPath()
                .replaceAll(".*/", "");
    }

    @Override
    public String exchange(Call call, Read read, Canceller canceller) throws Exception {
        if (call.priority() != null || read == Read.FIRST_LINE_THEN_CLOSE) {
            throw new UnsupportedOperationException("ollama4j has no per-request header and no way to stop a stream");
        }
        Ollama ollama = new Ollama(call.url());
        // Whole seconds only: a short timeout becomes 1 s.
        ollama.setRequestTimeoutSeconds(call.timeoutMs() > 0 ? Math.max(1, (call.timeoutMs() + 999) / 1000) : 60);
        OllamaChatRequest request = OllamaChatRequest.builder().withModel(call.model())
                .withMessage(OllamaChatMessageRole.USER, PROMPT)
                .withOptions(new OptionsBuilder().setNumPredict(call.tokens()).build());
        if (call.stream()) {
            request = request.withStreaming();
        }
        request = request.build();
        canceller.set(Thread.currentThread()::interrupt);
        OllamaChatResult result = ollama.chat(request, call.stream() ? token -> {
            if (read == Read.THROW_WHILE_READING) {
                throw new ClientDriver.ApplicationBug();
            }
        } : null);
        return ClientDriver.finished(result.getResponseModel().getMessage().getResponse());
    }
}
