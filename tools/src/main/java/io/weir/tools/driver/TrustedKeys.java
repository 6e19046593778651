package io.weir.tools.driver;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The public keys a gateway trusts to sign driver packages: every {@code *.pub} (PEM) in {@code
 * <data_dir>/trusted-keys/}, named by its file name. Read afresh for each check, so a key added or
 * removed counts at once. A file that is not a key is skipped with one log line.
 */
public final class TrustedKeys {
    private static final System.Logger LOG = System.getLogger("weir.drivers");
    public static final String FOLDER = "trusted-keys";

    /** A trusted key: its name (the file name without {@code .pub}), id and key. */
    public record Trusted(String name, String id, PublicKey key, Path file) {}

    private final Path dir;

    public TrustedKeys(Path dataDir) {
        this.dir = dataDir.resolve(FOLDER);
    }

    public Path dir() {
        return dir;
    }

    /** Every trusted key by id. */
    public Map<String, Trusted> all() {
        Map<String, Trusted> out = new LinkedHashMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".pub")).sorted().toList();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot list trusted keys in {0}: {1}", dir, e.getMessage());
            return out;
        }
        for (Path f : files) {
            try {
                PublicKey k = SigningKeys.readPublic(f);
                String name = f.getFileName().toString();
                name = name.substring(0, name.length() - 4);
                String id = SigningKeys.keyId(k);
                out.put(id, new Trusted(name, id, k, f));
            } catch (IOException e) {
                LOG.log(Level.WARNING, "trusted key {0} skipped: {1}", f, e.getMessage());
            }
        }
        return out;
    }

    /**
     * Copies a public key file in as {@code NAME.pub}.
     *
     * @return the trusted key
     * @throws IOException if the file is not a key, or a different key of that name is trusted
     */
    public Trusted add(Path publicKeyFile, String name) throws IOException {
        PublicKey k = SigningKeys.readPublic(publicKeyFile);
        Files.createDirectories(dir);
        Path target = dir.resolve(name + ".pub");
        if (Files.exists(target)) {
            PublicKey old = SigningKeys.readPublic(target);
            if (!SigningKeys.keyId(old).equals(SigningKeys.keyId(k))) {
                throw new IOException(
                        target
                                + " holds another key already; remove it first or pick another name");
            }
        } else {
            Files.copy(publicKeyFile, target);
        }
        return new Trusted(name, SigningKeys.keyId(k), k, target);
    }
}
