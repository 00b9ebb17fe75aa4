package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.http.AdviceOutcome;
import dev.rtbe.agent.resume.ChatStream;
import dev.rtbe.agent.resume.Resumption;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;

/**
 * A classic non-streaming batch chat call sent as a stream under the hood (README "Resumable
 * preemption"): each attempt's stream is read here, on the caller's thread, and stays preemptible
 * to its last byte; a preempted attempt keeps its output and the next one continues it (or starts
 * again, as {@link Resumption} decides). The application gets the one non-streaming response the
 * server would have sent: the stream's status line and headers made a 200 (or the 500 of an error
 * streamed) with the JSON body's type and length. Any other response (an error status, a body that
 * is not a stream) is the application's as it came.
 */
final class StreamedClassic {
    private final PreemptibleClassic sender;
    private final Resumption resumption;
    private final GatedCall call;

    StreamedClassic(PreemptibleClassic sender, Resumption resumption) {
        this.sender = sender;
        this.resumption = resumption;
        this.call = sender.call();
    }

    AdviceOutcome execute() {
        HttpEntity original = sender.request().getEntity();
        while (true) {
            ChatStream stream = resumption.startAttempt();
            // Read as a stream: 0 tokens so far, and the scheduler knows a preemption would keep its output.
            call.reportProgress(0);
            ClassicAttempt attempt = new ClassicAttempt(call, sender.request(),
                    ClassicBodies.copy(resumption.body(), original));
            attempt.preemption().offer(); // before the send, so no byte of the answer outruns the offer
            PreemptibleClassic.Sent sent = sender.send(attempt);
            if (sent.outcome != null) {
                return sent.outcome;
            }
            CloseableHttpResponse response = sent.response;
            if (response != null && !isStream(response)) {
                if (attempt.preemption().responseArrived()) {
                    return sender.gate(response); // the answer the application would have had, as it came
                }
                ClassicResponses.abort(response);
            } else if (response != null) {
                AdviceOutcome done = read(response, attempt, stream);
                if (done != null) {
                    return done;
                }
            }
            if (resumption.preempted()) {
                call.keptAfterPreemption(resumption.lastKeptNanos()); // its generation time was not thrown away
            }
            AdviceOutcome refused = sender.reacquire();
            if (refused != null) {
                return refused;
            }
        }
    }

    /** A 200 stream, not compressed (the client's own decompression has removed the header if it undid it). */
    private static boolean isStream(CloseableHttpResponse response) {
        HttpEntity entity = response.getEntity();
        return entity != null
                && ChatStream.isReadableStream(response.getCode(), entity.getContentType(), entity.getContentEncoding());
    }

    /** Reads the attempt's stream to its end. Returns the call's end, or null when the attempt was preempted. */
    private AdviceOutcome read(CloseableHttpResponse response, ClassicAttempt attempt, ChatStream stream) {
        HttpEntity entity = response.getEntity();
        call.onResponse(response.getCode(), entity.getContentType(), null);
        IOException failure = null;
        try {
            InputStream in = entity.getContent();
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk)) >= 0) {
                stream.onBytes(ByteBuffer.wrap(chunk, 0, n));
                call.onBytes(chunk, 0, n);
                call.reportProgress(stream.tokens());
            }
            stream.onEnd(); // at its end the client has put the connection back in its pool
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException ? (IOException) e : new IOException(e);
            attempt.abortExchange(); // never drained: the connection is closed
        }
        if (failure == null && stream.finished()) {
            attempt.preemption().responseArrived(); // ends the offer; a preemption at the very end finds the answer whole
            return answer(response, 200, null);
        }
        if (attempt.preemption().preempted()) {
            return null;
        }
        if (failure != null) {
            call.finish(Outcome.FAILED, failure);
            return AdviceOutcome.failed(failure);
        }
        if (stream.errorBody() != null) { // what Ollama answers a non-streaming call that fails mid-way
            return answer(response, 500, stream.errorBody());
        }
        IOException cut = new IOException("the server ended the stream before its final chunk");
        call.finish(Outcome.FAILED, cut);
        return AdviceOutcome.failed(cut);
    }

    /** The whole answer (or the error body) as one non-streaming response, made of the stream's own. */
    private AdviceOutcome answer(CloseableHttpResponse response, int status, byte[] errorBody) {
        byte[] body;
        try {
            body = errorBody != null ? errorBody : resumption.assemble();
        } catch (RuntimeException agentFault) {
            IOException e = new IOException("rtbe: the streamed answer could not be assembled", agentFault);
            call.finish(Outcome.FAILED, e);
            return AdviceOutcome.failed(e);
        }
        call.finish(Outcome.COMPLETED, null); // the server is done: the slot goes back before the application reads
        response.setCode(status);
        response.setReasonPhrase(status == 200 ? "OK" : "Internal Server Error");
        for (String name : new String[] {"Content-Type", "Content-Length", "Transfer-Encoding", "Content-Encoding"}) {
            response.removeHeaders(name);
        }
        response.addHeader("Content-Type", ChatStream.JSON_CONTENT_TYPE);
        response.addHeader("Content-Length", Integer.toString(body.length));
        response.setEntity(new ByteArrayEntity(body, ContentType.parse(ChatStream.JSON_CONTENT_TYPE), null, false));
        return AdviceOutcome.of(response);
    }
}
