package io.weir.tools.config;

import io.weir.tools.cli.JsonLines;
import io.weir.tools.cli.JsonOption;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code weir config check FILE [--json]}. */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        header = "Validate a gateway config file offline, every mistake with its line.",
        description = {
            "Reads FILE as `weir run` would and reports every problem at once, one line each as"
                    + " FILE:LINE: key: message: TOML syntax, unknown or missing keys, wrong types,"
                    + " durations, link and host:port addresses, duplicate or empty names, and"
                    + " values that cannot reach a driver (ABI §5).",
            "Each driver then judges its devices: it is loaded and every device is opened on a"
                    + " probe instance, without a link; what the driver refuses is mapped back to"
                    + " the line of the point or device. The uplink's PKI folder (the gateway's"
                    + " certificate, key and CA) and the data folder are checked too.",
            "Relative paths in FILE are relative to FILE's folder."
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:the config is valid; one summary line",
            "1:the check itself failed",
            "2:problems found, one line each (or a usage error)"
        })
public final class ConfigCheckCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The gateway config file (TOML).")
    Path file;

    @Mixin JsonOption jsonOption;

    @Override
    public Integer call() {
        ConfigCheck.Report report = ConfigCheck.run(file);
        PrintWriter out = spec.commandLine().getOut();
        if (jsonOption.json()) {
            JsonLines lines = new JsonLines(out);
            report.problems().forEach(p -> lines.write(p.json()));
            lines.write(report.json());
        } else {
            report.problems().forEach(p -> out.println(p.format()));
            if (report.ok()) {
                out.println(report.summary());
            } else {
                // stdout holds exactly one line per problem; the count is for the person reading.
                spec.commandLine().getErr().println("weir config check: " + report.summary());
                spec.commandLine().getErr().flush();
            }
            out.flush();
        }
        return report.ok() ? 0 : 2;
    }
}
