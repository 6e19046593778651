package io.weir.tools.replay;

import io.weir.abi.DeviceConfig;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code weir replay --points FILE}: the device config a replay opens its devices with instead of
 * discovery mode (ABI §5). The file holds the driver's {@code point N key=value …} lines, as a
 * gateway gives them from its points, optionally after the {@code device …} line; blank lines and
 * {@code #} lines are left out. Without a device line the device gets {@code device} alone, the
 * driver's defaults.
 */
final class PointsFile {
    /** More than any point map: the ABI's cfg region is 64 KiB (§4). */
    static final long MAX_BYTES = 1 << 20;

    private PointsFile() {}

    /**
     * The config text of {@code file}, checked against the grammar of §5.
     *
     * @throws IllegalArgumentException naming the file and line that is wrong
     */
    static String read(Path file) throws IOException {
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new IllegalArgumentException(
                        file
                                + ": "
                                + Files.size(file)
                                + " bytes is no point map (at most "
                                + MAX_BYTES
                                + ")");
            }
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file (--points)");
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(
                    file + ": not UTF-8 text (--points takes point lines)");
        }
        List<String> lines = new ArrayList<>();
        List<Integer> numbers = new ArrayList<>();
        String[] raw = text.split("\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String l = raw[i].endsWith("\r") ? raw[i].substring(0, raw[i].length() - 1) : raw[i];
            if (l.isBlank() || l.strip().startsWith("#")) {
                continue;
            }
            lines.add(l.strip());
            numbers.add(i + 1);
        }
        boolean hasDevice = !lines.isEmpty() && lines.get(0).split(" ", 2)[0].equals("device");
        if (!hasDevice) {
            lines.add(0, "device");
            numbers.add(0, 0);
        }
        String config = String.join("\n", lines) + "\n";
        try {
            DeviceConfig.parse(config);
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            // DeviceConfig counts lines of the config text; the user knows the file's.
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("^config line (\\d+)").matcher(msg);
            if (m.find()) {
                int n = Integer.parseInt(m.group(1));
                int fileLine = n - 1 < numbers.size() ? numbers.get(n - 1) : 0;
                msg =
                        (fileLine > 0 ? "line " + fileLine : "its device line")
                                + msg.substring(m.end());
            }
            throw new IllegalArgumentException(
                    file + ": " + ReplayCommand.printable(msg) + " (--points)");
        }
        return config;
    }
}
