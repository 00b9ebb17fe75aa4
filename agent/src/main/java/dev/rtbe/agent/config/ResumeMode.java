package dev.rtbe.agent.config;

/** What a preempted batch call's next attempt does with the output its lost attempt generated. */
public enum ResumeMode {
    /**
     * Non-streaming chat calls go to the server as streams; a preempted one keeps its output and
     * is continued from it (a trailing assistant message), where that is as valid as an
     * uninterrupted generation; every other call starts again from zero.
     */
    CONTINUE,
    /** Every preempted call is sent again as it was and starts from zero. */
    RESTART
}
