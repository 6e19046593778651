package io.weir.tools.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A gateway config file that cannot be used, with every problem found in it (not only the first),
 * in file order.
 */
public final class ConfigException extends Exception {
    private final transient List<Problem> problems;

    public ConfigException(List<Problem> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    private static String message(List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        if (problems.size() == 1) {
            return problems.get(0).format();
        }
        return problems.size()
                + " problems in "
                + problems.get(0).file()
                + ":\n"
                + problems.stream().map(Problem::format).collect(Collectors.joining("\n"));
    }

    public List<Problem> problems() {
        return problems;
    }
}
