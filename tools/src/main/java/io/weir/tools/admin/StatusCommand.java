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
import picocli.CommandLine.Spec;

/** {@code weir status}: a running gateway's devices, links and uplink, through its admin API. */
@Command(
        name = "status",
        description =
                "Show a running gateway: its uplink and, per device, driver, link, state, cycles,"
                        + " missed cycles, timeouts, traps, last latency and last error.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:shown", "1:no gateway answers, or the config or token is unusable"})
public final class StatusCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "The gateway's config (its admin.listen and data_dir); default $WEIR_CONFIG,"
                            + " then /etc/weir/weir.toml.")
    Path config;

    @Mixin JsonOption jsonOption;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        AdminClient.Reply r = AdminTarget.connect(config).status();
        if (!r.ok()) {
            throw new java.io.IOException("the gateway answered " + r.status() + ": " + r.body());
        }
        if (jsonOption.json()) {
            out.println(JsonLines.mapper().writeValueAsString(r.body()));
            out.flush();
            return 0;
        }
        JsonNode s = r.body();
        out.printf(
                "gateway %s, up %s s%n",
                escape(s.path("gateway").asText()), s.path("uptime_s").asText());
        JsonNode u = s.path("uplink");
        if (u.isNull() || u.isMissingNode()) {
            out.println("uplink: none configured (points are kept locally: weir points)");
        } else {
            out.printf(
                    "uplink to %s: %s, outbox %d batches (%d points, %d bytes), %d acked, %d"
                            + " rejected%s%n",
                    u.path("receiver").asText(),
                    u.path("connected").asBoolean() ? "connected" : "not connected",
                    u.path("outbox_batches").asLong(),
                    u.path("outbox_points").asLong(),
                    u.path("outbox_bytes").asLong(),
                    u.path("acked_batches").asLong(),
                    u.path("rejected_batches").asLong(),
                    u.path("last_error").isTextual()
                            ? "; last error: " + escape(u.path("last_error").asText())
                            : "");
        }
        String fmt = "%-16s %-16s %-26s %-12s %-4s %8s %7s %8s %6s %8s  %s%n";
        out.printf(
                fmt,
                "DEVICE",
                "DRIVER",
                "LINK",
                "STATE",
                "LINK",
                "CYCLES",
                "MISSED",
                "TIMEOUTS",
                "TRAPS",
                "LAST ms",
                "LAST ERROR");
        for (JsonNode d : s.path("devices")) {
            out.printf(
                    fmt,
                    escape(d.path("device").asText()),
                    escape(d.path("driver").asText()),
                    escape(d.path("link").asText()),
                    d.path("state").asText(),
                    d.path("link_up").asBoolean() ? "up" : "down",
                    d.path("cycles").asText(),
                    d.path("missed").asText(),
                    d.path("timeouts").asText(),
                    d.path("traps").asText(),
                    String.format("%.1f", d.path("last_latency_ms").asDouble()),
                    d.path("last_error").isTextual() ? escape(d.path("last_error").asText()) : "");
        }
        out.flush();
        return 0;
    }
}
