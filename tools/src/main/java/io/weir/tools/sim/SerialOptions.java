package io.weir.tools.sim;

import io.weir.host.serial.LineSettings;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The character format of a simulator's serial line, as picocli options. */
final class SerialOptions {

    @Option(
            names = "--baud",
            defaultValue = "19200",
            description = "Baud rate (default ${DEFAULT-VALUE}).")
    int baud;

    @Option(
            names = "--parity",
            defaultValue = "E",
            converter = ParityConverter.class,
            description = "Parity N, E, O, M or S (default ${DEFAULT-VALUE}).")
    LineSettings.Parity parity;

    @Option(
            names = "--data",
            defaultValue = "8",
            description = "Data bits 5-8 (default ${DEFAULT-VALUE}).")
    int data;

    @Option(
            names = "--stop",
            defaultValue = "1",
            description = "Stop bits 1, 1.5 or 2 (default ${DEFAULT-VALUE}).")
    double stop;

    LineSettings line() {
        return new LineSettings(baud, data, parity, stop);
    }

    static final class ParityConverter implements CommandLine.ITypeConverter<LineSettings.Parity> {
        @Override
        public LineSettings.Parity convert(String value) {
            try {
                return LineSettings.Parity.of(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** The gateway's address of the other end, with these settings. */
    static String gatewayAddress(String path, LineSettings line) {
        String stop = line.stopBits() == 1.5 ? "1.5" : Integer.toString((int) line.stopBits());
        return "serial:"
                + path
                + "?baud="
                + line.baud()
                + "&parity="
                + line.parity().letter()
                + "&data="
                + line.dataBits()
                + "&stop="
                + stop;
    }
}
