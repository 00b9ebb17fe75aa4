package dev.rtbe.agent.classify;

import dev.rtbe.agent.classify.Classification.Rule;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.StreamingMode;
import dev.rtbe.agent.scheduler.Priority;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides RT or BE for one outgoing call; first match wins: header, call stack, thread name,
 * streaming flag, default. Must run on the calling thread: only there are the application's
 * frames on the stack and its thread name current.
 */
public final class Classifier {
    private final String headerName;
    private final StackRule rtStack;
    private final StackRule beStack;
    private final ThreadRule rtThreads;
    private final ThreadRule beThreads;
    private final boolean streamingIsRt;
    private final Priority defaultPriority;

    public Classifier(Settings settings) {
        this.headerName = settings.classifyHeader();
        this.rtStack = new StackRule(settings.rtStackPatterns());
        this.beStack = new StackRule(settings.beStackPatterns());
        this.rtThreads = new ThreadRule(settings.rtThreadGlobs());
        this.beThreads = new ThreadRule(settings.beThreadGlobs());
        this.streamingIsRt = settings.streaming() == StreamingMode.RT;
        this.defaultPriority = settings.defaultPriority();
    }

    /** The header an application may set to classify a call explicitly. */
    public String headerName() {
        return headerName;
    }

    /**
     * @param headerValue the classification header's value, or null when absent
     * @param streams whether the request asks for a streamed response (null: unknown)
     */
    public Classification classify(String headerValue, Boolean streams) {
        Classification byCaller = callerRules(headerValue);
        return byCaller != null ? byCaller : bodyRules(streams);
    }

    /** The header rule alone, for a header read where the request is written (any thread); null when it does not decide. */
    public Classification headerRule(String headerValue) {
        Optional<Priority> fromHeader = parseHeader(headerValue);
        return fromHeader.isPresent() ? new Classification(fromHeader.get(), Rule.HEADER) : null;
    }

    /**
     * The rules that need the calling thread, in order: header, call stack, thread name; null when
     * none decides. For a call whose body is collected later, off this thread.
     */
    public Classification callerRules(String headerValue) {
        Classification byHeader = headerRule(headerValue);
        if (byHeader != null) {
            return byHeader;
        }
        Priority fromStack = fromStack();
        if (fromStack != null) {
            return new Classification(fromStack, Rule.STACK);
        }
        String threadName = Thread.currentThread().getName();
        if (rtThreads.matches(threadName)) {
            return new Classification(Priority.RT, Rule.THREAD);
        }
        if (beThreads.matches(threadName)) {
            return new Classification(Priority.BE, Rule.THREAD);
        }
        return null;
    }

    /** The rules after the caller's: streaming flag, then default. Any thread. */
    public Classification bodyRules(Boolean streams) {
        if (streamingIsRt && Boolean.TRUE.equals(streams)) {
            return new Classification(Priority.RT, Rule.STREAMING);
        }
        return new Classification(defaultPriority, Rule.DEFAULT);
    }

    /** {@code rt}/{@code realtime}/{@code high} or {@code be}/{@code batch}/{@code low}, any case. */
    static Optional<Priority> parseHeader(String value) {
        if (value == null) {
            return Optional.empty();
        }
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "rt":
            case "realtime":
            case "real-time":
            case "high":
                return Optional.of(Priority.RT);
            case "be":
            case "batch":
            case "best-effort":
            case "low":
                return Optional.of(Priority.BE);
            default:
                return Optional.empty();
        }
    }

    /** Walks the caller's frames only when stack rules exist; RT rules are checked first per frame. */
    private Priority fromStack() {
        if (rtStack.isEmpty() && beStack.isEmpty()) {
            return null;
        }
        return StackWalker.getInstance().walk(frames -> frames
                .map(f -> rtStack.matches(f.getClassName(), f.getMethodName()) ? Priority.RT
                        : beStack.matches(f.getClassName(), f.getMethodName()) ? Priority.BE : null)
                .filter(p -> p != null)
                .findFirst()
                .orElse(null));
    }
}
