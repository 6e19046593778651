package io.weir.tools.cli;

import picocli.CommandLine.Option;

/**
 * {@code --json}, the same on every command (DESIGN.md: human-first output by default; {@code
 * --json} gives one JSON object per line, a command's last line its result or summary object).
 */
public final class JsonOption {
    @Option(
            names = "--json",
            description =
                    "Machine-readable output: one JSON object per line; what the objects are is"
                            + " in the command's description.")
    boolean json;

    public boolean json() {
        return json;
    }
}
