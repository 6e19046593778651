package io.weir.tools.driver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.abi.Abi;
import io.weir.host.driver.Fixtures;
import io.weir.host.lifecycle.DriverPackage;
import io.weir.host.lifecycle.PackageWriter;
import io.weir.host.poll.SessionStatus;
import io.weir.tools.CliRun;
import io.weir.tools.cli.JsonLines;
import io.weir.tools.config.GatewayConfig;
import io.weir.tools.gateway.Gateway;
import io.weir.tools.run.GatewayService;
import io.weir.tools.run.RunCommand;
import io.weir.tools.sim.ModbusTcpSimulator;
import io.weir.tools.sim.RegisterMap;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver lifecycle end to end: {@code weir keys} and {@code weir driver} on a data folder, the
 * same commands against a running gateway whose Modbus devices (a real j2mod slave on loopback)
 * switch versions, the drop folder, every bad input, and a version that traps in the field rolled
 * back by itself.
 */
class DriverLifecycleIT {
    @TempDir Path tmp;

    private static JsonNode json(CliRun r) throws IOException {
        String[] lines = r.out().strip().split("\n");
        return JsonLines.mapper().readTree(lines[lines.length - 1]);
    }

    private static CliRun ok(String... args) {
        CliRun r = CliRun.execute(args);
        assertThat(r.code())
                .as("weir %s\nout: %s\nerr: %s", String.join(" ", args), r.out(), r.err())
                .isZero();
        return r;
    }

    private static void await(String what, BooleanSupplier until) throws InterruptedException {
        await(what, until, Duration.ofSeconds(30));
    }

    private static void await(String what, BooleanSupplier until, Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!until.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " never happened");
            }
            Thread.sleep(50);
        }
    }

    /** A signed package of modbus at {@code version}, from a folder made by TestDrivers. */
    private Path signed(String version, Path key) throws Exception {
        Path pkg = tmp.resolve("pkg").resolve("modbus-" + version + ".wdrv");
        Files.createDirectories(pkg.getParent());
        Path dir = TestDrivers.folder(tmp.resolve("src-" + version), version);
        ok("driver", "pack", dir.toString(), "-o", pkg.toString());
        ok("driver", "sign", pkg.toString(), "--key", key.toString());
        return pkg;
    }

    // ---- the data folder ---------------------------------------------------------------------

    @Test
    void offlineFromANewKeyToRemovalWithEveryStepAudited() throws Exception {
        Path data = tmp.resolve("data");
        Path keys = tmp.resolve("keys");
        JsonNode key = json(ok("keys", "new", "acme", "--dir", keys.toString(), "--json"));
        assertThat(key.path("algorithm").asText()).isEqualTo("SM2-SM3");
        ok("keys", "trust", keys.resolve("acme.pub").toString(), "--data-dir", data.toString());
        assertThat(ok("keys", "list", "--data-dir", data.toString()).out())
                .contains("acme")
                .contains(key.path("key_id").asText());

        Path pkg = signed("0.1.1", keys.resolve("acme.key"));
        JsonNode inspect =
                json(
                        ok(
                                "driver",
                                "inspect",
                                pkg.toString(),
                                "--data-dir",
                                data.toString(),
                                "--json"));
        assertThat(inspect.path("name").asText()).isEqualTo("modbus");
        assertThat(inspect.path("version").asText()).isEqualTo("0.1.1");
        assertThat(inspect.path("abi_version").asText()).isEqualTo("1.0");
        assertThat(inspect.path("transport").asText()).isEqualTo("tcp");
        assertThat(inspect.path("signature").path("trust").asText()).isEqualTo("trusted");
        assertThat(inspect.path("point_keys").get(0).path("key").asText()).isEqualTo("area");
        assertThat(ok("driver", "inspect", pkg.toString()).out())
                .contains("modbus 0.1.1")
                .contains("ABI 1.0, protocol modbus, transport tcp")
                .contains("address        int 0..65535");

        CliRun test = ok("driver", "test", pkg.toString());
        assertThat(test.out()).containsPattern("modbus 0.1.1: \\d+ passed, 0 failed");

        CliRun install = ok("driver", "install", pkg.toString(), "--data-dir", data.toString());
        assertThat(install.out())
                .contains("installed modbus 0.1.1 on data folder")
                .contains("signature acme (");
        assertThat(data.resolve("drivers/modbus/0.1.1.wdrv")).exists();
        JsonNode list = json(ok("driver", "list", "--data-dir", data.toString(), "--json"));
        JsonNode modbus = list.path("drivers").get(0);
        assertThat(modbus.path("active").asText()).isEqualTo("bundled");
        assertThat(modbus.path("versions").get(0).path("sha256").asText())
                .isEqualTo(DriverPackage.sha256(pkg));

        ok("driver", "activate", "modbus", "0.1.1", "--data-dir", data.toString());
        modbus =
                json(ok("driver", "list", "--data-dir", data.toString(), "--json"))
                        .path("drivers")
                        .get(0);
        assertThat(modbus.path("active").asText()).isEqualTo("0.1.1");
        assertThat(modbus.path("previous").asText()).isEqualTo("bundled");
        assertThat(ok("driver", "list", "--data-dir", data.toString()).out())
                .containsPattern("modbus\\s+0.1.1\\s+active");

        CliRun removeActive =
                CliRun.execute(
                        "driver", "remove", "modbus", "0.1.1", "--data-dir", data.toString());
        assertThat(removeActive.code()).isEqualTo(1);
        assertThat(removeActive.err()).contains("modbus 0.1.1 is the active version");

        assertThat(ok("driver", "rollback", "modbus", "--data-dir", data.toString()).out())
                .contains("modbus rolled back to bundled");
        ok("driver", "remove", "modbus", "0.1.1", "--data-dir", data.toString());
        assertThat(data.resolve("drivers/modbus/0.1.1.wdrv")).doesNotExist();

        List<String> actions = new java.util.ArrayList<>();
        for (String line :
                ok("driver", "audit", "--data-dir", data.toString(), "--json").out().split("\n")) {
            JsonNode e = JsonLines.mapper().readTree(line);
            actions.add(e.path("origin").asText() + ":" + e.path("action").asText());
        }
        assertThat(actions)
                .containsExactly(
                        "cli:install",
                        "cli:activate",
                        "cli:remove-refused",
                        "cli:rollback",
                        "cli:remove");
    }

    // ---- bad input ---------------------------------------------------------------------------

    private static void zip(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(file);
                ZipOutputStream z = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
    }

    private static Map<String, byte[]> entries(Path pkg) throws Exception {
        DriverPackage p = DriverPackage.read(pkg);
        Map<String, byte[]> m = new TreeMap<>(p.vectors());
        m.put("driver.wasm", p.module());
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(pkg.toFile())) {
            m.put(
                    "weir-package.json",
                    z.getInputStream(z.getEntry("weir-package.json")).readAllBytes());
        }
        return m;
    }

    /** Everything a refused install must leave alone. */
    private static String snapshot(Path data) throws Exception {
        StringBuilder b =
                new StringBuilder(
                        ok("driver", "list", "--data-dir", data.toString(), "--json").out());
        try (Stream<Path> files = Files.walk(data.resolve("drivers"))) {
            for (Path f : files.sorted().toList()) {
                b.append(f)
                        .append(Files.isRegularFile(f) ? DriverPackage.sha256(f) : "")
                        .append('\n');
            }
        }
        return b.toString();
    }

    @Test
    void everyBadInputIsOneClearRefusalAndChangesNothing() throws Exception {
        Path data = tmp.resolve("data");
        Path keys = tmp.resolve("keys");
        ok("keys", "new", "acme", "--dir", keys.toString());
        ok("keys", "trust", keys.resolve("acme.pub").toString(), "--data-dir", data.toString());
        Path key = keys.resolve("acme.key");
        Path good = signed("0.1.1", key);
        ok("driver", "install", good.toString(), "--data-dir", data.toString());
        String before = snapshot(data);
        Path bad = tmp.resolve("bad");
        Files.createDirectories(bad);

        byte[] all = Files.readAllBytes(good);
        Path truncated = bad.resolve("truncated.wdrv");
        Files.write(truncated, Arrays.copyOf(all, all.length / 3));
        Path corrupt = bad.resolve("corrupt.wdrv");
        byte[] flipped = all.clone();
        for (int i = 100; i < 400; i++) {
            flipped[i] ^= 0x55;
        }
        Files.write(corrupt, flipped);

        Map<String, byte[]> base = entries(signed("0.1.2", key));
        Path noVendor = bad.resolve("no-vendor.wdrv");
        Map<String, byte[]> e = new TreeMap<>(base);
        e.put(
                "weir-package.json",
                new String(base.get("weir-package.json"), StandardCharsets.UTF_8)
                        .replace("\"vendor\": \"Weir\",", "")
                        .getBytes(StandardCharsets.UTF_8));
        zip(noVendor, e);

        Path disagrees = bad.resolve("disagrees.wdrv");
        e = new TreeMap<>(base);
        e.put("driver.wasm", TestDrivers.modbus("0.1.3"));
        zip(disagrees, e);

        Path tooBig = bad.resolve("too-big.wdrv");
        e = new TreeMap<>(base);
        e.put("driver.wasm", new byte[Abi.MODULE_SIZE_CAP_BYTES + 1]);
        zip(tooBig, e);

        Path unsigned = bad.resolve("unsigned.wdrv");
        zip(unsigned, base);

        Path badSignature = bad.resolve("bad-signature.wdrv");
        PackageWriter.withSignature(
                DriverPackage.read(unsigned), DriverPackage.read(good).signature(), badSignature);

        Path failing = bad.resolve("failing.wdrv");
        e = new TreeMap<>(base);
        String requests = new String(base.get("vectors/requests.json"), StandardCharsets.UTF_8);
        String broken = requests.replaceFirst("\"expect_hex\": \"0001", "\"expect_hex\": \"0009");
        assertThat(broken).as("the vector edit applies").isNotEqualTo(requests);
        e.put("vectors/requests.json", broken.getBytes(StandardCharsets.UTF_8));
        zip(failing, e);

        Map<Path, String> cases = new java.util.LinkedHashMap<>();
        cases.put(
                truncated,
                "truncated.wdrv: not a readable driver package: the zip is truncated or corrupt");
        cases.put(corrupt, "corrupt.wdrv: not a readable driver package");
        cases.put(noVendor, "no-vendor.wdrv: weir-package.json: missing field \"vendor\"");
        cases.put(
                disagrees,
                "disagrees.wdrv: weir-package.json says version \"0.1.2\", but the module describes itself as modbus \"0.1.3\"");
        cases.put(
                tooBig,
                "too-big.wdrv: driver.wasm is over the module size cap of 4194304 bytes (ABI §9)");
        cases.put(good, "modbus-0.1.1.wdrv: modbus 0.1.1 is installed already (the same package)");
        cases.put(unsigned, "unsigned.wdrv: the package is not signed");
        cases.put(
                badSignature,
                "bad-signature.wdrv: bad signature: it does not match the package's content");
        cases.put(failing, "failing.wdrv: 1 of ");
        for (Map.Entry<Path, String> c : cases.entrySet()) {
            List<String> args =
                    new java.util.ArrayList<>(
                            List.of(
                                    "driver",
                                    "install",
                                    c.getKey().toString(),
                                    "--data-dir",
                                    data.toString()));
            if (c.getKey() == disagrees
                    || c.getKey() == failing
                    || c.getKey() == noVendor
                    || c.getKey() == tooBig) {
                // unsigned on purpose: these checks come after the signature's
                args.add("--allow-unsigned");
            }
            CliRun r = CliRun.execute(args.toArray(String[]::new));
            assertThat(r.code()).as("%s: %s", c.getKey().getFileName(), r.err()).isEqualTo(1);
            assertThat(r.err().strip())
                    .as("one line")
                    .doesNotContain("\n")
                    .doesNotContain("Exception");
            assertThat(r.err()).startsWith("weir driver install: " + c.getValue());
            assertThat(snapshot(data)).as("after %s", c.getKey().getFileName()).isEqualTo(before);
        }
        assertThat(
                        CliRun.execute(
                                        "driver",
                                        "install",
                                        failing.toString(),
                                        "--data-dir",
                                        data.toString(),
                                        "--allow-unsigned")
                                .err())
                .contains("vectors fail; first: vectors/requests.json");
        long refusals =
                Arrays.stream(
                                ok(
                                                "driver",
                                                "audit",
                                                "--data-dir",
                                                data.toString(),
                                                "--json",
                                                "--limit",
                                                "100")
                                        .out()
                                        .split("\n"))
                        .filter(l -> l.contains("install-refused"))
                        .count();
        assertThat(refusals).isEqualTo(cases.size() + 1);
    }

    // ---- a running gateway -------------------------------------------------------------------

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private Path config(Path data, int admin, String devices) throws IOException {
        Path cfg = tmp.resolve("weir.toml");
        Files.writeString(
                cfg,
                "[gateway]\nname = \"line-3\"\ndata_dir = \""
                        + data
                        + "\"\n\n[admin]\nlisten = \"127.0.0.1:"
                        + admin
                        + "\"\n\n"
                        + devices);
        return cfg;
    }

    private static String modbusDevice(String name, String driver, int port) {
        return "[[devices]]\nname = \""
                + name
                + "\"\ndriver = \""
                + driver
                + "\"\nlink = \"tcp://127.0.0.1:"
                + port
                + "\"\ninterval = \"100ms\"\nunit = 1\n\n  [[devices.points]]\n  name = \"level\"\n  area = \"input\"\n  address = 3\n\n";
    }

    private static SessionStatus status(Gateway g, String device) {
        return g.kernel().status().stream()
                .filter(s -> s.device().equals(device))
                .findFirst()
                .orElseThrow();
    }

    private static final String MAP =
            "[input.3]\nname = \"level\"\ngen = \"ramp\"\nperiod = 10\nmin = 0\nmax = 100\n";

    @Test
    void aRunningGatewaySwapsItsDevicesAndTakesPackagesFromTheDropFolder() throws Exception {
        Path data = tmp.resolve("data");
        Path keys = tmp.resolve("keys");
        ok("keys", "new", "acme", "--dir", keys.toString(), "--algorithm", "ed25519");
        ok("keys", "trust", keys.resolve("acme.pub").toString(), "--data-dir", data.toString());
        Path key = keys.resolve("acme.key");
        Path v011 = signed("0.1.1", key);
        InetAddress lo = InetAddress.getLoopbackAddress();
        int port = freePort();
        try (ModbusTcpSimulator sim =
                new ModbusTcpSimulator(RegisterMap.parse(MAP, "test"), lo, port, 1, 50)) {
            Path cfgFile =
                    config(
                            data,
                            freePort(),
                            modbusDevice("boiler", "modbus", port)
                                    + modbusDevice(
                                            "pinned", "modbus@" + SwapBench.BUNDLED_VERSION, port));
            GatewayConfig cfg = GatewayConfig.load(cfgFile);
            try (GatewayService service =
                    GatewayService.start(RunCommand.settings(cfg), cfg.admin().listen(), null)) {
                Gateway g = service.gateway();
                await(
                        "both devices polling",
                        () -> status(g, "boiler").cycles() > 2 && status(g, "pinned").cycles() > 2);

                // Install first (compile and self-test take seconds of CPU, which on a small
                // machine delays every device's cycles), then activate: the swap alone.
                CliRun install =
                        ok("driver", "install", v011.toString(), "--config", cfgFile.toString());
                assertThat(install.out())
                        .contains("installed modbus 0.1.1 on gateway on http://127.0.0.1:");
                long missed = status(g, "boiler").missed();
                assertThat(
                                ok(
                                                "driver",
                                                "activate",
                                                "modbus",
                                                "0.1.1",
                                                "--config",
                                                cfgFile.toString())
                                        .out())
                        .contains("devices switched: boiler");
                assertThat(status(g, "boiler").missed())
                        .as("no cycle missed across the swap")
                        .isEqualTo(missed);
                assertThat(status(g, "boiler").driver()).isEqualTo("modbus 0.1.1");
                assertThat(status(g, "pinned").driver())
                        .as("a pinned device keeps its version")
                        .isEqualTo("modbus " + SwapBench.BUNDLED_VERSION);
                long points = status(g, "boiler").points();
                await("points after the swap", () -> status(g, "boiler").points() > points + 5);
                assertThat(g.points().latest("boiler")).allMatch(p -> p.quality() == 0);

                JsonNode list =
                        json(ok("driver", "list", "--config", cfgFile.toString(), "--json"));
                JsonNode modbus = list.path("drivers").get(0);
                assertThat(modbus.path("running").asText()).isEqualTo("0.1.1");
                assertThat(modbus.path("on_probation").asText()).isEqualTo("0.1.1");
                assertThat(modbus.path("pinned").get(0).path("device").asText())
                        .isEqualTo("pinned");

                // The drop folder: a package renamed into place, whose manifest asks to be active.
                Path src = TestDrivers.folder(tmp.resolve("src-drop"), "0.1.2");
                Path m = src.resolve("weir-package.json");
                Files.writeString(
                        m,
                        Files.readString(m)
                                .replace("\"vendor\":", "\"activate\": true,\n  \"vendor\":"));
                Path dropped = tmp.resolve("modbus-0.1.2.wdrv");
                ok("driver", "pack", src.toString(), "-o", dropped.toString());
                ok("driver", "sign", dropped.toString(), "--key", key.toString());
                Path drop = data.resolve("drop");
                Files.copy(dropped, drop.resolve(".modbus-0.1.2.wdrv.part"));
                Files.move(
                        drop.resolve(".modbus-0.1.2.wdrv.part"),
                        drop.resolve("modbus-0.1.2.wdrv"),
                        StandardCopyOption.ATOMIC_MOVE);
                await(
                        "the dropped package running",
                        () -> status(g, "boiler").driver().equals("modbus 0.1.2"));
                assertThat(drop.resolve("modbus-0.1.2.wdrv")).doesNotExist();

                Files.writeString(drop.resolve("junk.wdrv"), "not a zip");
                await(
                        "junk rejected",
                        () -> Files.exists(drop.resolve("rejected/junk.wdrv.reason.txt")));
                assertThat(Files.readString(drop.resolve("rejected/junk.wdrv.reason.txt")))
                        .startsWith("junk.wdrv: not a readable driver package");
                assertThat(drop.resolve("junk.wdrv")).doesNotExist();

                // A bad package through the admin API: one line, and the running driver untouched.
                Path unsignedPkg = TestDrivers.pack(tmp.resolve("unsigned"), "0.1.3");
                String running = status(g, "boiler").driver();
                CliRun refused =
                        CliRun.execute(
                                "driver",
                                "install",
                                unsignedPkg.toString(),
                                "--activate",
                                "--config",
                                cfgFile.toString());
                assertThat(refused.code()).as(refused.err()).isEqualTo(1);
                assertThat(refused.err().strip())
                        .startsWith("weir driver install: ")
                        .contains("modbus-0.1.3.wdrv: the package is not signed")
                        .doesNotContain("\n");
                assertThat(status(g, "boiler").driver()).isEqualTo(running);
                assertThat(
                                json(ok("driver", "list", "--config", cfgFile.toString(), "--json"))
                                        .path("drivers")
                                        .get(0)
                                        .path("versions"))
                        .noneMatch(v -> v.path("version").asText().equals("0.1.3"));

                long missedBefore = status(g, "boiler").missed();
                assertThat(ok("driver", "rollback", "modbus", "--config", cfgFile.toString()).out())
                        .contains("modbus rolled back to 0.1.1")
                        .contains("devices switched: boiler");
                assertThat(status(g, "boiler").driver()).isEqualTo("modbus 0.1.1");
                assertThat(status(g, "boiler").missed())
                        .as("no cycle missed across the rollback")
                        .isEqualTo(missedBefore);
                // The transaction ids went on across every swap (the state was handed over): the
                // only frames refused as not answering the request are late answers after a
                // timeout, which the CPU a compile takes can cause on a small machine.
                SessionStatus st = status(g, "boiler");
                assertThat(st.protocolErrors()).as("%s", st).isLessThanOrEqualTo(st.timeouts());

                String audit = ok("driver", "audit", "--config", cfgFile.toString()).out();
                assertThat(audit).contains(" api ").contains(" drop ").contains("install-refused");
            }
        }
    }

    // ---- automatic rollback ------------------------------------------------------------------

    /** The counter fixture as a package at {@code version}; poll-only vectors for 8.x. */
    private Path counterPackage(String version) throws Exception {
        Path dir = tmp.resolve("counter-" + version);
        Files.createDirectories(dir.resolve("vectors"));
        String wasm =
                new String(Fixtures.wasm("counter"), StandardCharsets.ISO_8859_1)
                        .replace("\"version\":\"1.0.0\"", "\"version\":\"" + version + "\"");
        Files.write(dir.resolve("driver.wasm"), wasm.getBytes(StandardCharsets.ISO_8859_1));
        Files.writeString(
                dir.resolve("weir-package.json"),
                "{\"package_format\":1,\"name\":\"counter\",\"version\":\""
                        + version
                        + "\",\"vendor\":\"Test\",\"description\":\"the counter fixture\"}");
        String frame =
                version.startsWith("8")
                        ? ""
                        : ",{\"call\":\"frame\",\"hex\":\"aa00\",\"expect\":[{\"point\":0,\"type\":\"i64\",\"value\":1,\"quality\":\"GOOD\"}]}";
        Files.writeString(
                dir.resolve("vectors/cycle.json"),
                "{\"driver\":\"counter\",\"vectors\":[{\"name\":\"cycle\",\"source\":\"counter.wat\",\"config\":\"device\\npoint 0\\n\","
                        + "\"steps\":[{\"call\":\"poll\",\"expect_hex\":\"01000000\"}"
                        + frame
                        + "]}]}");
        Path out = tmp.resolve("counter-" + version + ".wdrv");
        ok("driver", "pack", dir.toString(), "-o", out.toString());
        return out;
    }

    @Test
    void aVersionThatTrapsInTheFieldIsRolledBackByItself() throws Exception {
        rolledBackByItself(
                new DriverLifecycle.Options(true, Duration.ofMinutes(5), 3, 1000),
                "from 8.0.0: 8.0.0 [3-9] traps within its probation \\(threshold 3\\)");
    }

    @Test
    void aQuarantinedVersionIsRolledBackByItself() throws Exception {
        // Thresholds out of reach: only the quarantine (5 traps within 10 minutes, ABI §9, with
        // the crash-loop backoff between them) can end the probation.
        rolledBackByItself(
                new DriverLifecycle.Options(true, Duration.ofMinutes(5), 1000, 100_000),
                "from 8.0.0: 8.0.0 quarantined after 5 traps within 10 minutes \\(last: .+\\)");
    }

    /** The last audit entry of the gateway, through the CLI. */
    private static JsonNode lastAudit(Path cfgFile) throws IOException {
        JsonNode last = null;
        for (String line :
                ok("driver", "audit", "--config", cfgFile.toString(), "--json").out().split("\n")) {
            last = JsonLines.mapper().readTree(line);
        }
        return last;
    }

    @Test
    void aQuarantineShowsInStatusAndEndsByTheOperatorOrAnActivation() throws Exception {
        Path data = tmp.resolve("data");
        for (String v : List.of("1.0.0", "8.0.0")) {
            ok(
                    "driver",
                    "install",
                    counterPackage(v).toString(),
                    "--activate",
                    "--allow-unsigned",
                    "--data-dir",
                    data.toString());
        }
        try (CounterDevice device = new CounterDevice()) {
            Path cfgFile =
                    config(
                            data,
                            freePort(),
                            "[[devices]]\nname = \"meter\"\ndriver = \"counter\"\nlink = \"tcp://127.0.0.1:"
                                    + device.port()
                                    + "\"\ninterval = \"100ms\"\n\n  [[devices.points]]\n  name = \"seq\"\n\n");
            GatewayConfig cfg = GatewayConfig.load(cfgFile);
            // No probation thresholds within reach: nothing but the operator ends the quarantine.
            DriverLifecycle.Options options =
                    new DriverLifecycle.Options(true, Duration.ofMinutes(5), 1000, 100_000);
            String config = cfgFile.toString();
            try (GatewayService service =
                    GatewayService.start(
                            RunCommand.settings(cfg, options, false), cfg.admin().listen(), null)) {
                Gateway g = service.gateway();
                await(
                        "quarantined",
                        () -> status(g, "meter").state().name().equals("QUARANTINED"),
                        Duration.ofSeconds(60));

                JsonNode st = json(ok("status", "--config", config, "--json"));
                JsonNode meter = st.path("devices").get(0);
                assertThat(meter.path("state").asText()).isEqualTo("QUARANTINED");
                JsonNode q = meter.path("quarantine");
                assertThat(q.path("reason").asText()).contains("unreachable");
                assertThat(q.path("traps").asInt()).isEqualTo(Abi.QUARANTINE_TRAPS);
                java.time.Instant since = java.time.Instant.parse(q.path("since").asText());
                assertThat(since).isBefore(java.time.Instant.now());
                JsonNode qd = st.path("quarantined_drivers");
                assertThat(qd).hasSize(1);
                assertThat(qd.get(0).path("name").asText()).isEqualTo("counter");
                assertThat(qd.get(0).path("version").asText()).isEqualTo("8.0.0");
                assertThat(qd.get(0).path("reason").asText()).isEqualTo(q.path("reason").asText());
                assertThat(qd.get(0).path("since").asText()).isEqualTo(q.path("since").asText());
                String human = ok("status", "--config", config).out();
                assertThat(human)
                        .containsPattern(
                                "meter\\s+counter 8.0.0\\s+tcp 127.0.0.1:\\d+\\s+QUARANTINED")
                        .contains(
                                "quarantined: counter 8.0.0 since "
                                        + q.path("since").asText()
                                        + " after 5 traps: ")
                        .contains("weir driver clear-quarantine counter");

                CliRun unknown =
                        CliRun.execute("driver", "clear-quarantine", "gauge", "--config", config);
                assertThat(unknown.code()).isEqualTo(1);
                assertThat(unknown.err()).contains("no driver named \"gauge\" is loaded");

                long trapsBefore = status(g, "meter").traps();
                JsonNode cleared =
                        json(
                                ok(
                                        "driver",
                                        "clear-quarantine",
                                        "counter",
                                        "--config",
                                        config,
                                        "--json"));
                assertThat(cleared.path("cleared").get(0).path("version").asText())
                        .isEqualTo("8.0.0");
                assertThat(cleared.path("cleared").get(0).path("reason").asText())
                        .isEqualTo(q.path("reason").asText());
                JsonNode audit = lastAudit(cfgFile);
                assertThat(audit.path("action").asText()).isEqualTo("clear-quarantine");
                assertThat(audit.path("origin").asText()).isEqualTo("api");
                assertThat(audit.path("name").asText()).isEqualTo("counter");
                assertThat(audit.path("version").asText()).isEqualTo("8.0.0");
                assertThat(audit.path("detail").asText())
                        .startsWith("quarantined since " + since + " after 5 traps: ")
                        .contains("unreachable");
                // The device runs the version again (and, being what it is, traps again).
                await("running again", () -> status(g, "meter").traps() > trapsBefore);

                // Quarantined again; this time the operator activates the good version instead.
                await(
                        "quarantined again",
                        () -> status(g, "meter").state().name().equals("QUARANTINED"),
                        Duration.ofSeconds(60));
                CliRun human2 = ok("driver", "activate", "counter", "1.0.0", "--config", config);
                assertThat(human2.out()).contains("devices switched: meter");
                audit = lastAudit(cfgFile);
                assertThat(audit.path("action").asText()).isEqualTo("activate");
                assertThat(audit.path("detail").asText())
                        .contains("ends the quarantine of counter 8.0.0 (since ")
                        .endsWith(" traps) for meter");
                long points = status(g, "meter").points();
                await("points again", () -> status(g, "meter").points() > points + 3);
                assertThat(status(g, "meter").state().name()).isEqualTo("RUNNING");
                assertThat(
                                json(ok("status", "--config", config, "--json"))
                                        .path("devices")
                                        .get(0)
                                        .has("quarantine"))
                        .isFalse();

                CliRun nothing =
                        CliRun.execute("driver", "clear-quarantine", "counter", "--config", config);
                assertThat(nothing.code()).isEqualTo(1);
                assertThat(nothing.err()).contains("driver \"counter\" is not quarantined");
                assertThat(lastAudit(cfgFile).path("action").asText())
                        .isEqualTo("clear-quarantine-refused");
            }
            CliRun offline =
                    CliRun.execute(
                            "driver", "clear-quarantine", "counter", "--data-dir", data.toString());
            assertThat(offline.code()).isEqualTo(1);
            assertThat(offline.err().strip())
                    .doesNotContain("\n")
                    .contains("no gateway runs on data folder")
                    .contains("nothing to clear");
        }
    }

    private void rolledBackByItself(DriverLifecycle.Options options, String auditDetail)
            throws Exception {
        Path data = tmp.resolve("data");
        ok(
                "driver",
                "install",
                counterPackage("1.0.0").toString(),
                "--activate",
                "--allow-unsigned",
                "--data-dir",
                data.toString());
        Path bad = counterPackage("8.0.0");
        try (CounterDevice device = new CounterDevice()) {
            Path cfgFile =
                    config(
                            data,
                            freePort(),
                            "[[devices]]\nname = \"meter\"\ndriver = \"counter\"\nlink = \"tcp://127.0.0.1:"
                                    + device.port()
                                    + "\"\ninterval = \"100ms\"\n\n  [[devices.points]]\n  name = \"seq\"\n\n");
            GatewayConfig cfg = GatewayConfig.load(cfgFile);
            try (GatewayService service =
                    GatewayService.start(
                            RunCommand.settings(cfg, options, false), cfg.admin().listen(), null)) {
                Gateway g = service.gateway();
                await("polling", () -> status(g, "meter").points() > 3);
                assertThat(status(g, "meter").driver()).isEqualTo("counter 1.0.0");

                ok(
                        "driver",
                        "install",
                        bad.toString(),
                        "--activate",
                        "--config",
                        cfgFile.toString());
                await(
                        "rolled back",
                        () ->
                                status(g, "meter").driver().equals("counter 1.0.0")
                                        && status(g, "meter").traps() >= 3,
                        Duration.ofSeconds(60));
                long after = status(g, "meter").points();
                await("points again", () -> status(g, "meter").points() > after + 3);
                assertThat(status(g, "meter").state().name()).isEqualTo("RUNNING");

                JsonNode last = null;
                for (String line :
                        ok("driver", "audit", "--config", cfgFile.toString(), "--json")
                                .out()
                                .split("\n")) {
                    last = JsonLines.mapper().readTree(line);
                }
                assertThat(last.path("action").asText()).isEqualTo("rollback");
                assertThat(last.path("origin").asText()).isEqualTo("gateway");
                assertThat(last.path("detail").asText()).matches(auditDetail);
                JsonNode modbus =
                        json(ok("driver", "list", "--config", cfgFile.toString(), "--json"))
                                .path("drivers")
                                .get(0);
                assertThat(modbus.path("active").asText()).isEqualTo("1.0.0");
                assertThat(modbus.path("on_probation").isNull()).isTrue();
            }
        }
    }
}
