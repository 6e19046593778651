package io.weir.host;

import java.text.MessageFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The records a {@code java.util.logging} logger publishes while a test runs, at every level;
 * closing it detaches it and restores the logger's level.
 */
public final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger;
    private final Level before;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(Logger logger) {
        this.logger = logger;
        this.before = logger.getLevel();
        logger.setLevel(Level.ALL);
        logger.addHandler(this);
    }

    /** Starts capturing what the logger {@code name} (e.g. {@code io.weir.poll}) publishes. */
    public static LogCapture of(String name) {
        return new LogCapture(Logger.getLogger(name));
    }

    /** The records so far, oldest first. */
    public List<LogRecord> records() {
        return records;
    }

    /** The messages so far with their parameters filled in, as a formatter would print them. */
    public List<String> lines() {
        return records.stream()
                .map(
                        r ->
                                r.getParameters() == null
                                        ? r.getMessage()
                                        : MessageFormat.format(r.getMessage(), r.getParameters()))
                .toList();
    }

    @Override
    public void publish(LogRecord r) {
        records.add(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        logger.removeHandler(this);
        logger.setLevel(before);
    }
}
