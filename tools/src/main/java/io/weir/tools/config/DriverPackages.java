package io.weir.tools.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.host.driver.DriverSource;
import io.weir.host.lifecycle.DriverPackage;
import io.weir.host.lifecycle.KeyTable;
import io.weir.host.lifecycle.PackageManifest;
import io.weir.host.lifecycle.PackageRefused;
import io.weir.tools.cli.HostPort;
import io.weir.tools.driver.DriverRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which package provides a device's driver, resolved the way {@code weir run}'s gateway resolves it
 * ({@code io.weir.tools.gateway.Gateway}): {@code name} is the registry's active version, else the
 * bundled driver; {@code name@version} is that installed version, else the bundled driver if it is
 * that version; a {@code .wasm} path is a bare module with no package and so no key table.
 *
 * <p>The registry of the data folder is read once, when the check starts: from its H2 file when no
 * gateway holds it, else from the running gateway's admin API. A data folder without a registry has
 * only the bundled drivers; nothing is created in it.
 */
final class DriverPackages {
    /** {@code io.weir.tools.admin.AdminToken.FILE}: the admin API's bearer token. */
    private static final String TOKEN_FILE = "admin.token";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A driver as a device gets it.
     *
     * @param identity equal for every device that gets the same module
     * @param sourceName a name for the module until its own manifest is read
     * @param module the module's bytes
     * @param keys the key table of the package, or empty for a bare module (or a package that
     *     declares none)
     * @param origin where the driver comes from, for messages: {@code the bundled driver}, {@code
     *     installed version 0.2.1}, {@code file drivers/x.wasm}
     */
    record Provided(
            String identity,
            String sourceName,
            byte[] module,
            Optional<KeyTable> keys,
            String origin,
            Optional<String> version) {}

    /** One installed version as the registry records it. */
    record Installed(String version, String sha256, Path file) {}

    /**
     * What the registry says, read once.
     *
     * @param where the registry, for messages
     * @param active the active installed version of each driver that has one
     * @param installed every installed version of each driver
     */
    record Snapshot(
            String where,
            Map<String, String> active,
            Map<String, Map<String, Installed>> installed) {
        static final Snapshot EMPTY = new Snapshot("", Map.of(), Map.of());
    }

    private final Snapshot registry;

    /** Why the registry could not be read, or {@code null}. */
    private final String registryFailure;

    private DriverPackages(Snapshot registry, String registryFailure) {
        this.registry = registry;
        this.registryFailure = registryFailure;
    }

    /** Only the bundled drivers and .wasm files: no data folder. */
    static DriverPackages bundledOnly() {
        return new DriverPackages(Snapshot.EMPTY, null);
    }

    /**
     * The drivers of a gateway whose data folder is {@code dataDir} and whose admin API listens on
     * {@code admin} (asked only when a running gateway holds the registry).
     */
    static DriverPackages of(Path dataDir, HostPort admin) {
        if (dataDir == null || !Files.exists(dataDir.resolve(DriverRegistry.FILE + ".mv.db"))) {
            return bundledOnly();
        }
        try (DriverRegistry r = DriverRegistry.open(dataDir)) {
            return new DriverPackages(snapshot(r), null);
        } catch (IOException e) {
            if (!(e.getCause() instanceof SQLException s)
                    || s.getErrorCode() != org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1) {
                return new DriverPackages(Snapshot.EMPTY, TerminalText.escape(e.getMessage()));
            }
        } catch (SQLException e) {
            return new DriverPackages(
                    Snapshot.EMPTY,
                    "cannot read the driver registry in "
                            + dataDir
                            + ": "
                            + TerminalText.escape(e.getMessage()));
        }
        // A running gateway holds the registry: it says what is installed and active.
        try {
            return new DriverPackages(
                    snapshot("the gateway on http://" + admin, runningDrivers(dataDir, admin)),
                    null);
        } catch (IOException | RuntimeException e) {
            return new DriverPackages(
                    Snapshot.EMPTY,
                    "a running gateway holds the driver registry in "
                            + dataDir
                            + " and its admin API on "
                            + admin
                            + " does not say what is installed ("
                            + TerminalText.escape(String.valueOf(e.getMessage()))
                            + "): installed drivers cannot be checked");
        }
    }

    /**
     * The admin API's {@code GET /drivers}, asked as {@code io.weir.tools.admin.AdminClient} asks
     * it. That package reads configs (its {@code AdminTarget}), so this one cannot use it without a
     * cycle between the two; the request is small enough to make here.
     */
    private static JsonNode runningDrivers(Path dataDir, HostPort admin) throws IOException {
        Path tokenFile = dataDir.resolve(TOKEN_FILE);
        if (!Files.isReadable(tokenFile)) {
            throw new IOException(
                    "admin token "
                            + tokenFile
                            + " not found or not readable (are you the gateway's user?)");
        }
        String token = Files.readString(tokenFile, StandardCharsets.US_ASCII).trim();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://" + admin + "/drivers"))
                        .timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + token)
                        .GET()
                        .build();
        HttpResponse<String> reply;
        try {
            reply = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        JsonNode body = JSON.readTree(reply.body());
        if (reply.statusCode() / 100 != 2) {
            throw new IOException(
                    "HTTP " + reply.statusCode() + ": " + body.path("error").asText(""));
        }
        return body;
    }

    private static Snapshot snapshot(DriverRegistry r) throws SQLException {
        Map<String, String> active = new LinkedHashMap<>();
        r.activations().forEach((n, a) -> a.active().ifPresent(v -> active.put(n, v)));
        Map<String, Map<String, Installed>> installed = new TreeMap<>();
        for (DriverRegistry.Installed i : r.installed()) {
            installed
                    .computeIfAbsent(i.name(), k -> new LinkedHashMap<>())
                    .put(i.version(), new Installed(i.version(), i.sha256(), i.file()));
        }
        return new Snapshot("the driver registry in " + r.dataDir(), active, installed);
    }

    /** The admin API's {@code GET /drivers} ({@code io.weir.tools.driver.DriverViews#list}). */
    static Snapshot snapshot(String where, JsonNode list) {
        Map<String, String> active = new LinkedHashMap<>();
        Map<String, Map<String, Installed>> installed = new TreeMap<>();
        for (JsonNode d : list.path("drivers")) {
            String name = d.path("name").asText();
            String a = d.path("active").asText("bundled");
            if (!a.equals("bundled")) {
                active.put(name, a);
            }
            for (JsonNode v : d.path("versions")) {
                installed
                        .computeIfAbsent(name, k -> new LinkedHashMap<>())
                        .put(
                                v.path("version").asText(),
                                new Installed(
                                        v.path("version").asText(),
                                        v.path("sha256").asText(),
                                        Path.of(v.path("file").asText())));
            }
        }
        return new Snapshot(where, active, installed);
    }

    /**
     * Why the registry could not be read (a problem at {@code gateway.data_dir}), if it could not.
     */
    Optional<String> registryFailure() {
        return Optional.ofNullable(registryFailure);
    }

    /** The key for {@link #provide}'s cache: a device's driver value as the gateway resolves it. */
    static String identity(DriverRef ref) {
        return ref instanceof DriverRef.WasmFile f ? "file:" + f.file() : "ref:" + ref.written();
    }

    /**
     * The driver a device's {@code driver} value gives.
     *
     * @throws IOException a one-line message naming the driver, the version or the file
     */
    Provided provide(DriverRef ref) throws IOException {
        if (ref instanceof DriverRef.WasmFile f) {
            return new Provided(
                    "file:" + f.file(),
                    f.sourceName(),
                    f.bytes(),
                    Optional.empty(),
                    "driver file " + f.file(),
                    Optional.empty());
        }
        DriverRef.Bundled b = (DriverRef.Bundled) ref;
        String name = b.name();
        Map<String, Installed> versions = registry.installed().getOrDefault(name, Map.of());
        String version = b.version().orElse(registry.active().get(name));
        if (version != null && versions.containsKey(version)) {
            return installed(name, versions.get(version));
        }
        if (version != null && b.version().isEmpty()) {
            // The registry names an active version it does not list: the gateway cannot load it.
            throw new IOException(
                    "driver "
                            + TerminalText.quote(name)
                            + ": its active version "
                            + TerminalText.escape(version)
                            + " is not installed in "
                            + registry.where()
                            + " (`weir driver activate "
                            + name
                            + " VERSION` picks another)");
        }
        Provided bundled = bundled(name);
        if (b.version().isPresent()
                && bundled.version().isPresent()
                && !bundled.version().get().equals(version)) {
            throw new IOException(
                    "driver "
                            + TerminalText.quote(b.written())
                            + ": version "
                            + TerminalText.escape(version)
                            + " is not installed ("
                            + installedVersions(name)
                            + ") and the bundled driver is "
                            + name
                            + " "
                            + bundled.version().get()
                            + "; install it (`weir driver install`), or write driver = \""
                            + name
                            + "\" or the path of a .wasm file");
        }
        return bundled;
    }

    /** The installed versions of a driver, for messages: {@code installed: 0.2.1, 0.3.0}. */
    String installedVersions(String name) {
        List<String> v =
                new ArrayList<>(registry.installed().getOrDefault(name, Map.of()).keySet());
        if (registry.where().isEmpty()) {
            return "no driver is installed in the data folder";
        }
        return v.isEmpty()
                ? "no version of it is installed in " + registry.where()
                : "installed in " + registry.where() + ": " + String.join(", ", v);
    }

    private static Provided installed(String name, Installed v) throws IOException {
        String what = "driver " + name + " " + v.version() + " (installed: " + v.file() + ")";
        if (!Files.isRegularFile(v.file())) {
            throw new IOException(what + ": the package file is missing");
        }
        String sha = DriverPackage.sha256(v.file());
        if (!sha.equals(v.sha256())) {
            throw new IOException(
                    what
                            + ": the package changed since it was installed (sha256 "
                            + sha.substring(0, 12)
                            + "…, recorded "
                            + TerminalText.escape(
                                    v.sha256().substring(0, Math.min(12, v.sha256().length())))
                            + "…)");
        }
        DriverPackage pkg;
        try {
            pkg = DriverPackage.read(v.file());
        } catch (PackageRefused e) {
            throw new IOException(what + ": " + TerminalText.escape(e.getMessage()), e);
        }
        return new Provided(
                "package:" + v.file(),
                pkg.where(),
                pkg.module(),
                keysOf(pkg.manifest()),
                "installed version " + v.version(),
                Optional.of(pkg.manifest().version()));
    }

    /** The bundled driver with the key table of its package (drivers/NAME/weir-package.json). */
    private static Provided bundled(String name) throws IOException {
        byte[] module = DriverSource.bytes(name);
        String resource = "drivers/" + name + "/" + DriverPackage.MANIFEST;
        Optional<KeyTable> keys = Optional.empty();
        Optional<String> version = Optional.empty();
        try (InputStream in = classLoader().getResourceAsStream(resource)) {
            if (in != null) {
                PackageManifest m = PackageManifest.parse("bundled " + resource, in.readAllBytes());
                keys = keysOf(m);
                version = Optional.of(m.version());
            }
        } catch (PackageRefused e) {
            throw new IOException(
                    "driver "
                            + TerminalText.quote(name)
                            + ": the bundled package manifest is refused: "
                            + TerminalText.escape(e.getMessage()),
                    e);
        }
        return new Provided(
                "bundled:" + name, name + ".wasm", module, keys, "the bundled driver", version);
    }

    private static Optional<KeyTable> keysOf(PackageManifest m) {
        KeyTable t = m.keys();
        return t.device().isEmpty() && t.point().isEmpty() ? Optional.empty() : Optional.of(t);
    }

    private static ClassLoader classLoader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : DriverPackages.class.getClassLoader();
    }
}
