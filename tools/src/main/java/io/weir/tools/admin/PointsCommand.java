package io.weir.tools.admin;

import static io.weir.tools.cli.Terminal.escape;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.tools.cli.JsonLines;
import io.weir.tools.cli.JsonOption;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code weir points}: the latest value, quality and time of every point of a running gateway. */
@Command(
        name = "points",
        description =
                "Show the latest value, quality and time of every point of a running gateway.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:shown",
            "1:no gateway answers, the config or token is unusable, or no such device"
        })
public final class PointsCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Spec CommandSpec spec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "The gateway's config (its admin.listen and data_dir); default $WEIR_CONFIG,"
                            + " then /etc/weir/weir.toml.")
    Path config;

    @Option(names = "--device", paramLabel = "D", description = "Only the points of device D.")
    String device;

    @Mixin JsonOption jsonOption;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        AdminClient.Reply r = AdminTarget.connect(config).points(device);
        if (!r.ok()) {
            throw new IOException(
                    r.body().path("error").asText("the gateway answered " + r.status()));
        }
        if (!jsonOption.json()) {
            out.printf(
                    "%-12s  %-16s  %-24s  %-24s  %-9s  %s%n",
                    "TIME", "DEVICE", "POINT", "VALUE", "QUALITY", "ERROR");
        }
        for (JsonNode p : r.body().path("points")) {
            if (jsonOption.json()) {
                out.println(JsonLines.mapper().writeValueAsString(p));
            } else {
                out.printf(
                        "%-12s  %-16s  %-24s  %-24s  %-9s  %s%n",
                        TIME.format(Instant.ofEpochMilli(p.path("ts").asLong())),
                        escape(p.path("device").asText()),
                        escape(p.path("point").asText()),
                        escape(p.path("value").isNull() ? "null" : p.path("value").asText()),
                        p.path("quality").asText(),
                        p.path("error").isTextual() ? escape(p.path("error").asText()) : "");
            }
        }
        out.flush();
        return 0;
    }
}
