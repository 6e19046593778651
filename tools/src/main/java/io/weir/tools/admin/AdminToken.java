package io.weir.tools.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The admin API's bearer token: 32 random bytes in hex, in {@code <data_dir>/admin.token}, created
 * with mode 0600 on first start and kept across restarts, so that scripts and {@code weir status}
 * on the same machine read it and nobody else can.
 */
public final class AdminToken {
    public static final String FILE = "admin.token";
    private static final Set<PosixFilePermission> OWNER_RW =
            PosixFilePermissions.fromString("rw-------");

    private final String value;

    private AdminToken(String value) {
        this.value = value;
    }

    /** Reads the token of a data folder, creating it (0600) if there is none. */
    public static AdminToken createOrRead(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            byte[] raw = new byte[32];
            new SecureRandom().nextBytes(raw);
            String hex = HexFormat.of().formatHex(raw);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_RW));
                Files.writeString(file, hex + "\n", StandardOpenOption.TRUNCATE_EXISTING);
            } catch (FileAlreadyExistsException raced) {
                // Another start created it first: read theirs.
            }
        }
        return read(dataDir);
    }

    /**
     * Reads the token of a running gateway's data folder.
     *
     * @throws IOException naming the file when it is missing, unreadable or not a token
     */
    public static AdminToken read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.isReadable(file)) {
            throw new IOException(
                    "admin token "
                            + file
                            + " not found or not readable (is the gateway running with this"
                            + " data_dir, and are you its user?)");
        }
        String v = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (!v.matches("[0-9a-f]{64}")) {
            throw new IOException("admin token " + file + " is not 64 hex digits");
        }
        return new AdminToken(v);
    }

    public String value() {
        return value;
    }

    /** Whether an {@code Authorization} header carries this token (compared in constant time). */
    public boolean accepts(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return false;
        }
        byte[] given = authorization.substring(7).trim().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(given, value.getBytes(StandardCharsets.US_ASCII));
    }
}
