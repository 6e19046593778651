package io.weir.receiver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code openssl} command (OpenSSL 3, installed by tools/setup.sh) as an independent SM2 /
 * SM3 / SM4 implementation. Runs in a working directory so arguments can name files there.
 */
final class OpenSslCli {
    private final Path dir;

    OpenSslCli(Path dir) {
        this.dir = dir;
    }

    Path file(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    byte[] read(String name) throws IOException {
        return Files.readAllBytes(dir.resolve(name));
    }

    /**
     * Runs {@code openssl args}; returns its stdout, fails the test with its stderr on exit ≠ 0.
     */
    byte[] run(String... args) throws Exception {
        Result r = exec(args);
        if (r.exit != 0) {
            throw new AssertionError(
                    "openssl " + String.join(" ", args) + " exited " + r.exit + ": " + r.stderr);
        }
        return r.stdout;
    }

    /** Runs {@code openssl args} and returns whether it exited 0. */
    boolean succeeds(String... args) throws Exception {
        return exec(args).exit == 0;
    }

    private record Result(int exit, byte[] stdout, String stderr) {}

    private Result exec(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile(dir, "openssl", ".err");
        Process p =
                new ProcessBuilder(cmd)
                        .directory(dir.toFile())
                        .redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openssl " + String.join(" ", args) + " did not finish");
        }
        return new Result(
                p.exitValue(), out, Files.readString(err, StandardCharsets.UTF_8).strip());
    }
}
