package io.weir.host.serial;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two pseudo-terminals joined back to back by socat ({@code socat pty,raw,echo=0 pty,raw,echo=0}):
 * a serial line without hardware, with a real tty at each end. The simulators ({@code weir sim
 * modbus-rtu --pty}, {@code weir sim can --pty}), the serial benchmark and the tests put a peer on
 * one end and the gateway on the other. Killing socat makes both ends disappear, as unplugging a
 * USB adapter does.
 *
 * <p>Either end may be closed and opened again, as a cable stays when a program lets go of its port
 * ({@code ignoreeof}: socat keeps the pair when an end is closed). The ends are symlinks at paths
 * of the caller's choice, so a pair started again with the same paths looks like the same device
 * coming back.
 */
public final class PtyPair implements AutoCloseable {
    private final Path first;
    private final Path second;
    private final Process socat;

    private PtyPair(Path first, Path second, Process socat) {
        this.first = first;
        this.second = second;
        this.socat = socat;
    }

    /**
     * Why this machine cannot make pseudo-terminals, or {@code null} when it can: the kernel's
     * devpts must be mounted on {@code /dev/pts} (it holds {@code ptmx}). A chroot that binds
     * {@code /dev} without {@code /dev/pts} has none, and socat's openpty fails with "No such
     * device".
     */
    public static String unavailable() {
        if (!Files.exists(Path.of("/dev/pts/ptmx")) && !Files.exists(Path.of("/dev/pts/0"))) {
            return "no pseudo-terminals here: /dev/pts is not a devpts mount";
        }
        return null;
    }

    /**
     * Starts socat and waits until both ends exist.
     *
     * @param first where the first end's symlink goes (it must not exist)
     * @param second where the second end's symlink goes
     * @throws IOException if socat is missing, fails, or makes no ptys within 5 s
     */
    public static PtyPair open(Path first, Path second) throws IOException {
        String none = unavailable();
        if (none != null) {
            throw new IOException("cannot make a pseudo-terminal pair: " + none);
        }
        Path log = Files.createTempFile("weir-socat", ".log");
        ProcessBuilder pb =
                new ProcessBuilder(
                        List.of(
                                "socat",
                                "-d",
                                "-d",
                                "pty,raw,echo=0,ignoreeof,link=" + first.toAbsolutePath(),
                                "pty,raw,echo=0,ignoreeof,link=" + second.toAbsolutePath()));
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException(
                    "cannot start socat for a pty pair ("
                            + e.getMessage()
                            + "); tools/setup.sh installs it",
                    e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            while (!(Files.exists(first) && Files.exists(second))) {
                if (!p.isAlive()) {
                    throw new IOException(
                            "socat exited with "
                                    + p.exitValue()
                                    + " before it made a pty pair: "
                                    + Files.readString(log).strip());
                }
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IOException("socat made no pty pair within 5 s");
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while socat started", e);
        } finally {
            Files.deleteIfExists(log);
        }
        return new PtyPair(first, second, p);
    }

    /** A pair with both ends in {@code dir}, named {@code a} and {@code b}. */
    public static PtyPair open(Path dir) throws IOException {
        return open(dir.resolve("a"), dir.resolve("b"));
    }

    /** The first end, for the gateway. */
    public Path first() {
        return first;
    }

    /** The second end, for the peer. */
    public Path second() {
        return second;
    }

    public boolean alive() {
        return socat.isAlive();
    }

    /** Ends socat: both ends disappear, their symlinks with them. */
    @Override
    public void close() {
        socat.destroy();
        try {
            if (!socat.waitFor(2, TimeUnit.SECONDS)) {
                socat.destroyForcibly();
                socat.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(first);
            Files.deleteIfExists(second);
        } catch (IOException e) {
            // socat removes its links itself; a leftover is harmless.
        }
    }
}
