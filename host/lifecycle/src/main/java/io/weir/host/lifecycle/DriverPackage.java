package io.weir.host.lifecycle;

import io.weir.abi.Abi;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A driver package ({@code .wdrv}) as read from disk: a zip holding exactly
 *
 * <ul>
 *   <li>{@code weir-package.json} — the package manifest ({@link PackageManifest});
 *   <li>{@code driver.wasm} — the module, at most {@link Abi#MODULE_SIZE_CAP_BYTES} (ABI §9);
 *   <li>{@code vectors/*.json} — its golden vectors (driver-abi/VECTORS.md);
 *   <li>{@code signature.json} — optional, the detached signature over {@link #signedContent()}.
 * </ul>
 *
 * Reading checks the zip (its central directory, so a truncated file is found; every entry's CRC;
 * no other entries, no duplicates, no entry over its size limit) and the manifest. Whether the
 * module agrees with the manifest needs the runtime ({@link PackageCheck}); whether the signature
 * is trusted needs the gateway's keys (tools).
 */
public final class DriverPackage {
    public static final String EXTENSION = ".wdrv";
    public static final String MANIFEST = "weir-package.json";
    public static final String MODULE = "driver.wasm";
    public static final String SIGNATURE = "signature.json";
    public static final String VECTORS = "vectors/";

    /** The largest package file read: a module at its cap plus generous vectors. */
    public static final long MAX_FILE_BYTES = 32L * 1024 * 1024;

    static final int MAX_ENTRIES = 512;
    static final int MAX_JSON_BYTES = 4 * 1024 * 1024;
    static final long MAX_TOTAL_BYTES = 64L * 1024 * 1024;

    /** The first line of {@link #signedContent()}: what a signature is a signature of. */
    public static final String STATEMENT_HEADER = "weir-driver-package 1";

    private static final Pattern VECTOR_ENTRY =
            Pattern.compile("vectors/[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\.json");

    private final String where;
    private final String sha256;
    private final long size;
    private final PackageManifest manifest;
    private final byte[] module;
    private final byte[] manifestBytes;
    private final SortedMap<String, byte[]> vectors;
    private final SortedMap<String, String> digests;
    private final byte[] signature;

    private DriverPackage(
            String where,
            String sha256,
            long size,
            PackageManifest manifest,
            byte[] module,
            byte[] manifestBytes,
            SortedMap<String, byte[]> vectors,
            SortedMap<String, String> digests,
            byte[] signature) {
        this.where = where;
        this.sha256 = sha256;
        this.size = size;
        this.manifest = manifest;
        this.module = module;
        this.manifestBytes = manifestBytes;
        this.vectors = Collections.unmodifiableSortedMap(vectors);
        this.digests = Collections.unmodifiableSortedMap(digests);
        this.signature = signature;
    }

    /**
     * Reads and checks a package file.
     *
     * @throws PackageRefused naming the file and what is wrong: not a zip, truncated, corrupt, an
     *     unexpected or missing entry, an entry over its limit, a bad manifest
     * @throws IOException if the file cannot be read at all (missing, no permission)
     */
    public static DriverPackage read(Path file) throws PackageRefused, IOException {
        return read(file, file.getFileName().toString());
    }

    /**
     * Reads and checks a package file that messages call {@code where} (an upload's or a drop's
     * original name while it sits in a temporary file).
     */
    public static DriverPackage read(Path file, String where) throws PackageRefused, IOException {
        if (Files.isDirectory(file)) {
            throw new PackageRefused(where + ": is a folder, not a " + EXTENSION + " package");
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new PackageRefused(
                    where + ": " + size + " bytes, over the package limit of " + MAX_FILE_BYTES);
        }
        if (size == 0) {
            throw new PackageRefused(where + ": empty file, not a driver package");
        }
        String fileSha = hex(sha256(Files.readAllBytes(file)));
        PackageManifest manifest = null;
        byte[] module = null;
        byte[] manifestBytes = null;
        byte[] signature = null;
        SortedMap<String, byte[]> vectors = new TreeMap<>();
        SortedMap<String, String> digests = new TreeMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Set<String> seen = new HashSet<>();
            long total = 0;
            int count = 0;
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                String name = entry.getName();
                if (++count > MAX_ENTRIES) {
                    throw new PackageRefused(where + ": more than " + MAX_ENTRIES + " entries");
                }
                if (!seen.add(name)) {
                    throw new PackageRefused(
                            where + ": the entry " + quote(name) + " is there twice");
                }
                if (entry.isDirectory()) {
                    if (!name.equals(VECTORS)) {
                        throw new PackageRefused(
                                where + ": unexpected folder " + quote(name) + expected());
                    }
                    continue;
                }
                int limit;
                if (name.equals(MODULE)) {
                    limit = Abi.MODULE_SIZE_CAP_BYTES;
                } else if (name.equals(MANIFEST)
                        || name.equals(SIGNATURE)
                        || VECTOR_ENTRY.matcher(name).matches()) {
                    limit = MAX_JSON_BYTES;
                } else {
                    throw new PackageRefused(
                            where + ": unexpected entry " + quote(name) + expected());
                }
                byte[] bytes;
                try (InputStream in = zip.getInputStream(entry)) {
                    bytes = in.readNBytes(limit + 1);
                }
                if (bytes.length > limit) {
                    if (name.equals(MODULE)) {
                        throw new PackageRefused(
                                where
                                        + ": driver.wasm is over the module size cap of "
                                        + Abi.MODULE_SIZE_CAP_BYTES
                                        + " bytes (ABI §9)"
                                        + (entry.getSize() > 0
                                                ? ": " + entry.getSize() + " bytes"
                                                : ""));
                    }
                    throw new PackageRefused(where + ": " + name + " is over " + limit + " bytes");
                }
                total += bytes.length;
                if (total > MAX_TOTAL_BYTES) {
                    throw new PackageRefused(
                            where + ": more than " + MAX_TOTAL_BYTES + " bytes unpacked");
                }
                if (name.equals(SIGNATURE)) {
                    signature = bytes;
                    continue;
                }
                digests.put(name, hex(sha256(bytes)));
                if (name.equals(MODULE)) {
                    module = bytes;
                } else if (name.equals(MANIFEST)) {
                    manifest = PackageManifest.parse(where + ": " + MANIFEST, bytes);
                    manifestBytes = bytes;
                } else {
                    vectors.put(name, bytes);
                }
            }
        } catch (ZipException e) {
            throw new PackageRefused(
                    where
                            + ": not a readable driver package: the zip is truncated or corrupt ("
                            + e.getMessage()
                            + ")");
        } catch (java.io.EOFException e) {
            throw new PackageRefused(
                    where + ": not a readable driver package: the zip is truncated");
        }
        if (manifest == null) {
            throw new PackageRefused(
                    where + ": no " + MANIFEST + " (the package manifest)" + expected());
        }
        if (module == null) {
            throw new PackageRefused(
                    where + ": no " + MODULE + " (the driver module)" + expected());
        }
        if (module.length == 0) {
            throw new PackageRefused(where + ": " + MODULE + " is empty");
        }
        return new DriverPackage(
                where, fileSha, size, manifest, module, manifestBytes, vectors, digests, signature);
    }

    private static String expected() {
        return " (a package holds "
                + MANIFEST
                + ", "
                + MODULE
                + ", vectors/*.json and "
                + SIGNATURE
                + ")";
    }

    private static String quote(String s) {
        return PackageManifest.quote(s);
    }

    /** The file name, for messages. */
    public String where() {
        return where;
    }

    /** SHA-256 of the whole file, hex. */
    public String sha256() {
        return sha256;
    }

    public long size() {
        return size;
    }

    public PackageManifest manifest() {
        return manifest;
    }

    /** The module's bytes (a copy). */
    public byte[] module() {
        return module.clone();
    }

    public int moduleSize() {
        return module.length;
    }

    /** The vector files by entry name ({@code vectors/x.json}); the arrays are not copied. */
    public SortedMap<String, byte[]> vectors() {
        return vectors;
    }

    /** SHA-256 (hex) of every entry but the signature, by entry name. */
    public SortedMap<String, String> digests() {
        return digests;
    }

    /** The bytes of {@code signature.json}, or {@code null} for an unsigned package. */
    public byte[] signature() {
        return signature == null ? null : signature.clone();
    }

    public boolean signed() {
        return signature != null;
    }

    /**
     * What a signature signs: a statement naming the package and the SHA-256 of every entry but the
     * signature, one per line in name order. Since reading refuses any entry not in it, a signed
     * package cannot gain, lose or change an entry without failing verification.
     *
     * <pre>
     * weir-driver-package 1
     * name modbus
     * version 0.1.0
     * 3f2a… driver.wasm
     * 9c01… vectors/requests.json
     * 77de… weir-package.json
     * </pre>
     */
    public byte[] signedContent() {
        return statement(manifest.name(), manifest.version(), digests);
    }

    static byte[] statement(String name, String version, Map<String, String> digests) {
        StringBuilder b = new StringBuilder();
        b.append(STATEMENT_HEADER).append('\n');
        b.append("name ").append(name).append('\n');
        b.append("version ").append(version).append('\n');
        for (Map.Entry<String, String> e : new TreeMap<>(digests).entrySet()) {
            b.append(e.getValue()).append(' ').append(e.getKey()).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The entries (but the signature) as they are, for rewriting the package with a signature. */
    SortedMap<String, byte[]> entries() {
        SortedMap<String, byte[]> m = new TreeMap<>(vectors);
        m.put(MODULE, module);
        m.put(MANIFEST, manifestBytes);
        return m;
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** SHA-256 of a file's bytes, hex. */
    public static String sha256(Path file) throws IOException {
        return hex(sha256(Files.readAllBytes(file)));
    }
}
