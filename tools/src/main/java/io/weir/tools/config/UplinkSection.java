package io.weir.tools.config;

import io.weir.tools.cli.HostPort;
import java.nio.file.Path;

/**
 * {@code [uplink]}: where points go. Without it points are only kept locally.
 *
 * @param receiver the receiver's {@code host:port}
 * @param pki the PKI folder made by {@code weir pki init} / {@code weir pki issue}; absolute
 */
public record UplinkSection(HostPort receiver, Path pki, SourceLines lines) {
    public UplinkSection {
        if (receiver == null || receiver.port() < 1) {
            throw new IllegalArgumentException(
                    "the uplink needs a receiver host:port, port 1..65535");
        }
        if (pki == null || !pki.isAbsolute()) {
            throw new IllegalArgumentException("the uplink's pki folder must be absolute: " + pki);
        }
        if (lines == null) {
            lines = SourceLines.NONE;
        }
    }
}
