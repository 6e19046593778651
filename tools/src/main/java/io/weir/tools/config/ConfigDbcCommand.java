package io.weir.tools.config;

import io.weir.host.can.dbc.DbcException;
import io.weir.host.can.dbc.DbcPointMap;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code weir config dbc FILE [--text]}: a DBC file as the can-dbc driver's point map. */
@Command(
        name = "dbc",
        mixinStandardHelpOptions = true,
        header = "Show the can-dbc driver's point map that a DBC file becomes.",
        description = {
            "Reads FILE (a DBC CAN database) as a gateway device with `dbc = FILE` does, and"
                    + " prints its points as [[devices.points]] tables: one per signal, named"
                    + " MESSAGE.SIGNAL, plus MESSAGE.source_address for a J1939 message that"
                    + " matches any source. The keys are drivers/can-dbc/README.md's.",
            "With --text it prints the config text the driver gets instead (ABI §5, without"
                    + " the host's weir.* keys).",
            "A DBC the driver cannot use is one line FILE:LINE: what is wrong."
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:printed", "2:the DBC file cannot be used (one line on stderr)"})
public final class ConfigDbcCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The DBC file.")
    Path file;

    @Option(names = "--text", description = "Print the driver's config text (ABI §5).")
    boolean text;

    @Override
    public Integer call() {
        DbcPointMap map;
        try {
            map = DbcPointMap.read(file);
        } catch (DbcException e) {
            spec.commandLine()
                    .getErr()
                    .println("weir config dbc: " + TerminalText.escape(e.getMessage()));
            spec.commandLine().getErr().flush();
            return 2;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (text) {
            out.print(map.text());
        } else {
            out.println(
                    "# "
                            + TerminalText.escape(file.toString())
                            + ": "
                            + map.points().size()
                            + " points");
            if (!map.deviceKeys().isEmpty()) {
                out.println("# device keys the DBC implies:");
                map.deviceKeys().forEach((k, v) -> out.println("# " + k + " = " + toml(v)));
            }
            for (int i = 0; i < map.points().size(); i++) {
                out.println();
                out.println("[[devices.points]]");
                out.println("name = " + toml(map.names().get(i)));
                for (Map.Entry<String, String> e : map.points().get(i).entrySet()) {
                    out.println(e.getKey() + " = " + toml(e.getValue()));
                }
            }
        }
        out.flush();
        return 0;
    }

    /** A TOML basic string: the values are printable ASCII (ABI §5), names DBC identifiers. */
    private static String toml(String v) {
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
