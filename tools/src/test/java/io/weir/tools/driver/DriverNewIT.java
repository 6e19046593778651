package io.weir.tools.driver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.tools.CliRun;
import io.weir.tools.cli.JsonLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code weir driver new} as a vendor meets it: a project of each language made in a temp folder,
 * built and tested with its own scripts (Debian's Rust toolchain, the AssemblyScript SDK's compiler
 * and Node runner, offline), then run in the Weir host ({@code weir driver test}), packed, signed
 * and inspected; a broken expectation shows as a diff naming the step.
 */
class DriverNewIT {
    @TempDir Path tmp;

    /** The Weir checkout: failsafe runs in tools/. */
    private static final Path ROOT =
            Path.of(System.getProperty("weir.root", "..")).toAbsolutePath().normalize();

    private static CliRun ok(String... args) {
        CliRun r = CliRun.execute(args);
        assertThat(r.code())
                .as("weir %s\nout: %s\nerr: %s", String.join(" ", args), r.out(), r.err())
                .isZero();
        return r;
    }

    private static JsonNode json(CliRun r) throws IOException {
        String[] lines = r.out().strip().split("\n");
        return JsonLines.mapper().readTree(lines[lines.length - 1]);
    }

    private static String sh(Path dir, String script) throws IOException, InterruptedException {
        Process p =
                new ProcessBuilder("sh", script)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("%s finished", script).isTrue();
        assertThat(p.exitValue()).as("%s in %s:\n%s", script, dir, out).isZero();
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"rust", "assemblyscript"})
    void aNewProjectBuildsPassesItsVectorsAndBecomesASignedPackage(String lang) throws Exception {
        String name = lang.equals("rust") ? "acme-line" : "acme-line-as";
        Path dir = tmp.resolve(name);
        JsonNode made =
                json(
                        ok(
                                "driver",
                                "new",
                                "--lang",
                                lang,
                                name,
                                dir.toString(),
                                "--vendor",
                                "Acme",
                                "--weir-root",
                                ROOT.toString(),
                                "--json"));
        assertThat(made.path("dir").asText()).isEqualTo(dir.toString());
        assertThat(dir.resolve("weir-package.json")).exists();
        assertThat(Files.isExecutable(dir.resolve("build.sh"))).isTrue();
        if (lang.equals("rust")) {
            assertThat(Files.readString(dir.resolve(".cargo/config.toml")))
                    .contains("link-arg=--max-memory=67108864");
        }

        String tested = sh(dir, "test.sh");
        assertThat(tested)
                .contains(lang.equals("rust") ? "test vectors ... ok" : "4 passed, 0 failed");
        assertThat(dir.resolve("build/" + name + ".wasm")).exists();

        // The host runs the same vectors against the module build.sh wrote.
        assertThat(ok("driver", "test", dir.toString()).out())
                .contains(name + " 0.1.0: 4 passed, 0 failed, 0 skipped");

        Path pkg = tmp.resolve(name + "-0.1.0.wdrv");
        ok("driver", "pack", dir.toString(), "-o", pkg.toString());
        Path keys = Files.createDirectories(tmp.resolve("keys"));
        if (!Files.exists(keys.resolve("acme.key"))) {
            ok("keys", "new", "acme", "--dir", keys.toString());
        }
        ok("driver", "sign", pkg.toString(), "--key", keys.resolve("acme.key").toString());
        JsonNode inspected = json(ok("driver", "inspect", pkg.toString(), "--json"));
        assertThat(inspected.toString()).contains("\"acme\"").contains(name);
        ok("driver", "test", pkg.toString());

        // A wrong expectation: the step, the vector and the records as a diff.
        Path vectors = dir.resolve("vectors/" + name + ".json");
        Files.writeString(
                vectors, Files.readString(vectors).replace("\"value\": 1.25", "\"value\": 1.5"));
        CliRun failed = CliRun.execute("driver", "test", dir.toString());
        assertThat(failed.code()).as(failed.out() + failed.err()).isEqualTo(1);
        assertThat(failed.out())
                .contains("FAIL vectors/" + name + ".json \"one cycle reads both points\"")
                .contains("step 4 (frame): record 0: value: expected 1.5, got point 0  f64 1.25")
                .contains("  - point 0  f64 1.5  GOOD\n")
                .contains("  + point 0  f64 1.25  GOOD\n")
                .contains("3 passed, 1 failed");
    }

    @Test
    void refusesABadNameAFolderInUseAndAnUnknownLanguage() throws IOException {
        CliRun bad = CliRun.execute("driver", "new", "--lang", "rust", "Acme_1", tmp.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("driver name \"Acme_1\" must match [a-z][a-z0-9-]{0,31}");

        Files.writeString(tmp.resolve("keep.txt"), "mine");
        CliRun used =
                CliRun.execute(
                        "driver",
                        "new",
                        "--lang",
                        "rust",
                        "meter",
                        tmp.toString(),
                        "--weir-root",
                        ROOT.toString());
        assertThat(used.code()).isEqualTo(1);
        assertThat(used.err()).contains(tmp + ": not empty");
        assertThat(Files.readString(tmp.resolve("keep.txt"))).isEqualTo("mine");

        CliRun lang =
                CliRun.execute(
                        "driver", "new", "--lang", "go", "meter", tmp.resolve("x").toString());
        assertThat(lang.code()).isEqualTo(1);
        assertThat(lang.err()).contains("--lang go: one of rust, assemblyscript");
        assertThat(tmp.resolve("x")).doesNotExist();

        CliRun noModule = CliRun.execute("driver", "test", tmp.toString());
        assertThat(noModule.code()).isEqualTo(1);
    }
}
