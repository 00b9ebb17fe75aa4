package dev.rtbe.agent.wire;

/** One stage of a watcher's pipeline. Stages read the given range synchronously and keep no reference to it. */
interface ByteSink {
    void accept(byte[] b, int off, int len);

    /** End of input: flush whatever is pending. */
    void end();

    /** Frees native resources early; the stage is not used afterwards. */
    default void release() {
    }
}
