package dev.rtbe.sample.news;

/** A news article to summarise. */
public record Article(String id, String title, String body) {

    /** The user prompt sent to the model. */
    String prompt() {
        return "Summarise this news article in three sentences.\n\nTitle: " + title + "\n\n" + body;
    }
}
