package io.weir.tools.uplink;

import picocli.CommandLine.Command;

/** {@code weir pki}: the uplink's CA and certificates. */
@Command(
        name = "pki",
        mixinStandardHelpOptions = true,
        header = "Create the uplink CA, receiver and gateway certificates (UPLINK.md §9).",
        description = "Create the uplink CA, receiver and gateway certificates (UPLINK.md §9).",
        subcommands = {PkiInitCommand.class, PkiIssueCommand.class})
public final class PkiCommand {}
