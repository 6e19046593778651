package io.weir.host.can.dbc;

import java.nio.file.Path;

/**
 * A DBC file that cannot be used: its message says what was wrong and names the file and line
 * ({@code trucks.dbc:12: SG_ EngineSpeed: expected '|' after the start bit, found '@'}).
 */
public final class DbcException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int line;

    public DbcException(Path file, int line, String what) {
        super(
                (file == null ? "<dbc>" : file.toString())
                        + (line > 0 ? ":" + line : "")
                        + ": "
                        + what);
        this.file = file;
        this.line = line;
    }

    /** The DBC file. */
    public Path file() {
        return file;
    }

    /** The 1-based line of the problem, 0 when it concerns the whole file. */
    public int line() {
        return line;
    }
}
