package io.weir.tools.admin;

import static io.weir.tools.cli.Terminal.escape;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.tools.cli.JsonLines;
import io.weir.tools.cli.JsonOption;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code weir write DEVICE POINT VALUE}: a write through the device's session (ABI §7.6). */
@Command(
        name = "write",
        description = {
            "Write VALUE to a point of a device of a running gateway. The write waits for the"
                    + " transaction in progress and goes before the next poll; the device's answer"
                    + " is shown.",
            "VALUE: true/false is a bool, an integer an i64 (a u64 above 2^63-1), a decimal or"
                    + " exponent number an f64, anything else a string (--string forces one). The"
                    + " driver encodes it for the point's type or refuses it."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the device acknowledged the write",
            "1:no gateway answers, the config or token is unusable, no such device or point",
            "3:the device answered with an exception",
            "4:the device did not answer in time",
            "5:the driver refused the value (read-only point, out of range)",
            "6:the link is down or the device cannot take writes now"
        })
public final class WriteCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "The gateway's config (its admin.listen and data_dir); default $WEIR_CONFIG,"
                            + " then /etc/weir/weir.toml.")
    Path config;

    @Option(names = "--string", description = "Send VALUE as a string, whatever it looks like.")
    boolean asString;

    @Mixin JsonOption jsonOption;

    @Parameters(index = "0", paramLabel = "DEVICE")
    String device;

    @Parameters(index = "1", paramLabel = "POINT")
    String point;

    @Parameters(index = "2", paramLabel = "VALUE")
    String value;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        JsonNode v = WriteValues.fromText(value, asString);
        WriteValues.fromJson(v); // refuses an integer no point can hold, before any connection
        AdminClient.Reply r = AdminTarget.connect(config).write(device, point, v);
        JsonNode b = r.body();
        if (b.has("error")) {
            throw new java.io.IOException(b.path("error").asText());
        }
        String outcome = b.path("outcome").asText();
        if (jsonOption.json()) {
            out.println(JsonLines.mapper().writeValueAsString(b));
        } else {
            StringBuilder line =
                    new StringBuilder(escape(device))
                            .append('.')
                            .append(escape(point))
                            .append(" = ")
                            .append(escape(v.asText()))
                            .append(": ")
                            .append(outcome.replace('_', ' '));
            if (b.path("exception_code").isNumber()) {
                line.append(" ").append(b.path("exception_code").asLong());
            }
            if (b.path("detail").isTextual()) {
                line.append(" (").append(escape(b.path("detail").asText())).append(')');
            }
            out.println(line);
        }
        out.flush();
        return switch (outcome) {
            case "acknowledged" -> 0;
            case "device_exception" -> 3;
            case "timeout" -> 4;
            case "refused" -> 5;
            default -> 6;
        };
    }
}
