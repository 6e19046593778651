package io.weir.host.lifecycle;

import io.weir.abi.Abi;
import io.weir.host.driver.DriverModule;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes driver packages: {@link #pack} from a driver folder, {@link #withSignature} to add or
 * replace the signature. Entries are written in name order with a fixed time, so packing the same
 * files twice gives the same bytes (and the same SHA-256). Files appear atomically: written beside
 * the target and moved into place.
 */
public final class PackageWriter {
    /** The zip time of every entry: packages do not change with the clock. */
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2020, 1, 1, 0, 0);

    private PackageWriter() {}

    /**
     * Packs a driver folder: {@code DIR/weir-package.json}, the module ({@code wasm}, or {@code
     * DIR/driver.wasm}) and {@code DIR/vectors/*.json}. The result is read back and checked as an
     * install would (manifest, module agreement, vectors well-formed and naming the driver); the
     * vectors are not run ({@code weir driver test} and install do).
     *
     * @param loader loads a module (e.g. {@code DriverModule.load("driver.wasm", bytes)})
     * @throws PackageRefused naming the file and problem; nothing is written then
     */
    public static DriverPackage pack(
            Path dir, Path wasm, Path out, java.util.function.Function<byte[], DriverModule> loader)
            throws PackageRefused, IOException {
        if (!Files.isDirectory(dir)) {
            throw new PackageRefused(dir + ": not a folder (pack takes a driver folder)");
        }
        Path manifestFile = dir.resolve(DriverPackage.MANIFEST);
        if (!Files.isRegularFile(manifestFile)) {
            throw new PackageRefused(
                    dir
                            + ": no "
                            + DriverPackage.MANIFEST
                            + " (the package manifest) in the folder");
        }
        byte[] manifestBytes = Files.readAllBytes(manifestFile);
        PackageManifest.parse(manifestFile.toString(), manifestBytes);
        Path module = wasm != null ? wasm : dir.resolve(DriverPackage.MODULE);
        if (!Files.isRegularFile(module)) {
            throw new PackageRefused(
                    module
                            + ": no such module"
                            + (wasm == null
                                    ? " (put driver.wasm in the folder or give --wasm FILE)"
                                    : ""));
        }
        long size = Files.size(module);
        if (size > Abi.MODULE_SIZE_CAP_BYTES) {
            throw new PackageRefused(
                    module
                            + ": "
                            + size
                            + " bytes, over the module size cap of "
                            + Abi.MODULE_SIZE_CAP_BYTES
                            + " bytes (ABI §9)");
        }
        SortedMap<String, byte[]> entries = new TreeMap<>();
        entries.put(DriverPackage.MANIFEST, manifestBytes);
        entries.put(DriverPackage.MODULE, Files.readAllBytes(module));
        Path vectors = dir.resolve("vectors");
        if (Files.isDirectory(vectors)) {
            try (Stream<Path> files = Files.list(vectors)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                    entries.put(DriverPackage.VECTORS + f.getFileName(), Files.readAllBytes(f));
                }
            }
        }
        if (entries.keySet().stream().noneMatch(k -> k.startsWith(DriverPackage.VECTORS))) {
            throw new PackageRefused(
                    dir
                            + ": no vectors/*.json: a package carries the golden vectors it is"
                            + " self-tested on");
        }
        Path tmp = temp(out);
        try {
            write(tmp, entries, null);
            DriverPackage pkg = DriverPackage.read(tmp, out.getFileName().toString());
            PackageCheck.module(pkg, loader);
            Files.move(
                    tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return DriverPackage.read(out);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes {@code pkg} to {@code out} with {@code signatureJson} as its {@code signature.json},
     * every other entry byte for byte as it was ({@code out} may be the package's own file).
     */
    public static void withSignature(DriverPackage pkg, byte[] signatureJson, Path out)
            throws IOException {
        Path tmp = temp(out);
        try {
            write(tmp, pkg.entries(), signatureJson);
            Files.move(
                    tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Path temp(Path out) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        return Files.createTempFile(parent, "." + out.getFileName(), ".part");
    }

    static void write(Path file, SortedMap<String, byte[]> entries, byte[] signature)
            throws IOException {
        try (OutputStream os = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                put(zip, e.getKey(), e.getValue());
            }
            if (signature != null) {
                put(zip, DriverPackage.SIGNATURE, signature);
            }
        }
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setTimeLocal(ENTRY_TIME);
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
    }

    /** The package file name of a driver version: {@code modbus-0.1.0.wdrv}. */
    public static String fileName(PackageManifest m) {
        return m.name() + "-" + m.version() + DriverPackage.EXTENSION;
    }

    /**
     * The drivers build: packs every {@code DRIVERS/NAME/} that has a {@code weir-package.json},
     * with the module {@code MODULES/NAME.wasm}, into {@code OUT/NAME-VERSION.wdrv}.
     *
     * <p>Usage: {@code PackageWriter DRIVERS MODULES OUT}
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException(
                    "usage: PackageWriter DRIVERS_DIR MODULES_DIR OUT_DIR");
        }
        Path drivers = Path.of(args[0]);
        Path modules = Path.of(args[1]);
        Path outDir = Path.of(args[2]);
        Files.createDirectories(outDir);
        List<String> made = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(drivers)) {
            for (Path dir : dirs.sorted().toList()) {
                if (!Files.isRegularFile(dir.resolve(DriverPackage.MANIFEST))) {
                    continue;
                }
                String folder = dir.getFileName().toString();
                PackageManifest m =
                        PackageManifest.parse(
                                dir.resolve(DriverPackage.MANIFEST).toString(),
                                Files.readAllBytes(dir.resolve(DriverPackage.MANIFEST)));
                Path out = outDir.resolve(fileName(m));
                DriverPackage pkg =
                        pack(
                                dir,
                                modules.resolve(folder + ".wasm"),
                                out,
                                bytes -> DriverModule.load(DriverPackage.MODULE, bytes));
                made.add(out + " (" + pkg.size() + " bytes, sha256 " + pkg.sha256() + ")");
            }
        }
        if (made.isEmpty()) {
            throw new IllegalStateException(
                    "no driver folder under " + drivers + " has a weir-package.json");
        }
        for (String m : made) {
            System.out.println("packaged " + m);
        }
    }
}
