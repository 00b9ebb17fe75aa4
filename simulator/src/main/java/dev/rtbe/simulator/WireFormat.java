package dev.rtbe.simulator;

/** The bytes of one endpoint's responses; one instance per request (OpenAI chunks share an id). */
interface WireFormat {
    /** Content-Type of the streamed form. */
    String streamContentType();

    /** One framed stream chunk carrying token {@code index}'s text. */
    byte[] tokenFrame(String delta, int index);

    /** The framed end of a stream: final chunk(s) and, for SSE, {@code [DONE]}. */
    byte[] finalFrames(GenerationStats stats);

    /** The non-streaming JSON body. */
    byte[] singleBody(String text, GenerationStats stats);

    /** Answer to a load-only request (empty prompt / messages). */
    byte[] loadBody(String model);

    /** Error body in the endpoint's error shape. */
    byte[] errorBody(int status, String message);
}
