package dev.rtbe.agent.http.apache5.impl;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Where an async call that had to wait continues: a slot is granted on whatever thread released
 * one, often an I/O reactor thread, which must not run the client's request setup.
 */
final class Dispatch {
    static final ExecutorService EXECUTOR = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "rtbe-apache5-dispatch");
        t.setDaemon(true);
        return t;
    });

    private Dispatch() {}
}
