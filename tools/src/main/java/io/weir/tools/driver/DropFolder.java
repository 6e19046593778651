package io.weir.tools.driver;

import io.weir.host.lifecycle.DriverPackage;
import io.weir.host.lifecycle.PackageRefused;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code <data_dir>/drop/}: a package written there goes through exactly the install path of {@code
 * weir driver install} ({@link DriverLifecycle#install}, origin {@code drop}).
 *
 * <p>Only complete files are taken: a file must keep the same size and modification time across two
 * scans half a second apart, so a package written in place is taken once its writer is done, and
 * one renamed into place (the safe way) a moment after the rename. Names starting with a dot and
 * ending in {@code .part} or {@code .tmp} are someone's unfinished writes and are left alone. An
 * installed package leaves the folder; a refused file (not a package, a bad signature, a failing
 * vector …) moves to {@code drop/rejected/} with {@code NAME.reason.txt} beside it. An accepted
 * package is activated when its manifest says {@code "activate": true} or the gateway runs with
 * {@code --activate-dropped}.
 */
public final class DropFolder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("weir.drivers");
    public static final String FOLDER = "drop";
    public static final String REJECTED = "rejected";
    static final long SCAN_MS = 500;

    private final Path dir;
    private final DriverLifecycle lifecycle;
    private final boolean activateAll;
    private final ScheduledExecutorService timer;
    private final Map<Path, String> seen = new HashMap<>();

    private DropFolder(Path dir, DriverLifecycle lifecycle, boolean activateAll) {
        this.dir = dir;
        this.lifecycle = lifecycle;
        this.activateAll = activateAll;
        this.timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "weir-drop");
                            t.setDaemon(true);
                            return t;
                        });
    }

    /** Creates the folder (and {@code rejected/}) and starts watching it. */
    public static DropFolder start(Path dir, DriverLifecycle lifecycle, boolean activateAll)
            throws IOException {
        Files.createDirectories(dir.resolve(REJECTED));
        DropFolder d = new DropFolder(dir, lifecycle, activateAll);
        d.timer.scheduleWithFixedDelay(d::scanQuietly, SCAN_MS, SCAN_MS, TimeUnit.MILLISECONDS);
        LOG.log(Level.INFO, "drop folder {0}: packages written here are installed", dir);
        return d;
    }

    public Path dir() {
        return dir;
    }

    private void scanQuietly() {
        try {
            scan();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "drop folder {0}: {1}", dir, e.toString());
        }
    }

    /** One scan: takes every file that has not changed since the last scan. */
    synchronized void scan() throws IOException {
        Map<Path, String> now = new HashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.startsWith(".") || name.endsWith(".part") || name.endsWith(".tmp")) {
                    continue;
                }
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(f, BasicFileAttributes.class);
                } catch (IOException gone) {
                    continue;
                }
                if (!a.isRegularFile()) {
                    continue;
                }
                String stamp = a.size() + "/" + a.lastModifiedTime().toMillis();
                if (a.size() > 0 && stamp.equals(seen.get(f))) {
                    take(f);
                } else {
                    now.put(f, stamp);
                }
            }
        }
        seen.clear();
        seen.putAll(now);
    }

    private void take(Path file) {
        String where = file.getFileName().toString();
        // Claim the file first, so that a writer that was not done after all cannot change what is
        // being checked, and a second scan cannot take it again.
        Path claimed = dir.resolve("." + where + ".installing");
        try {
            Files.move(file, claimed, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "drop folder: cannot take {0}: {1}", where, e.getMessage());
            return;
        }
        try {
            if (!where.endsWith(DriverPackage.EXTENSION)) {
                throw new PackageRefused(
                        where + ": not a driver package (" + DriverPackage.EXTENSION + ")");
            }
            boolean activate = activateAll;
            try {
                activate |= DriverPackage.read(claimed, where).manifest().activate();
            } catch (PackageRefused e) {
                // The install below refuses it with the same words, and audits it.
            }
            DriverLifecycle.Installed r = lifecycle.install(claimed, where, Origin.DROP, activate);
            Files.deleteIfExists(claimed);
            LOG.log(
                    Level.INFO,
                    "drop folder: installed {0} {1} from {2}{3}",
                    r.version().name(),
                    r.version().version(),
                    where,
                    r.activated()
                            ? " and activated it (" + r.swapped().size() + " devices switched)"
                            : "");
        } catch (PackageRefused | IOException e) {
            reject(claimed, where, e.getMessage());
        } catch (RuntimeException e) {
            reject(claimed, where, e.toString());
        }
    }

    private void reject(Path claimed, String where, String why) {
        try {
            Path rejected = dir.resolve(REJECTED);
            Files.createDirectories(rejected);
            String name = where;
            for (int i = 1; Files.exists(rejected.resolve(name)); i++) {
                name = where + "." + i;
            }
            Files.move(claimed, rejected.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(
                    rejected.resolve(name + ".reason.txt"), why + "\n", StandardCharsets.UTF_8);
            LOG.log(Level.WARNING, "drop folder: rejected {0}: {1}", where, why);
        } catch (IOException e) {
            LOG.log(
                    Level.ERROR,
                    "drop folder: {0} refused ({1}) and cannot be moved to rejected/: {2}",
                    where,
                    why,
                    e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
