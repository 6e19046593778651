package io.weir.tools.config;

import io.weir.host.uplink.ShangMi;
import io.weir.host.uplink.UplinkPki;
import io.weir.tools.cli.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code weir config check}: everything that can be known about a config file without a device or a
 * receiver. The file itself ({@link GatewayConfig#load}'s checks), the key table of the package
 * that provides each device's driver (the version in the data folder's registry, or the bundled
 * one) and then the driver's own verdict on its devices ({@link DriverVerdicts}), the PKI folder of
 * the uplink (the gateway's certificate with its name as CN, signed by the folder's CA, valid now;
 * its key; the receiver's envelope key), and the data folder. Every problem is found in one run.
 */
public final class ConfigCheck {
    private ConfigCheck() {}

    /**
     * The outcome of a check.
     *
     * @param problems every problem, in file order
     * @param config the config, when there is no problem
     * @param gateway the gateway name, when the file gives a valid one
     * @param devices how many {@code [[devices]]} tables the file has
     * @param points how many point tables
     * @param uplink the receiver, when the file gives a valid {@code [uplink]}
     */
    public record Report(
            Path file,
            List<Problem> problems,
            Optional<GatewayConfig> config,
            Optional<String> gateway,
            int devices,
            int points,
            Optional<HostPort> uplink) {
        public Report {
            problems = List.copyOf(problems);
        }

        public boolean ok() {
            return problems.isEmpty();
        }

        /**
         * {@code line-3: 4 devices, 37 points, uplink to ingest.plant:7443: OK}, or how many
         * problems the file has.
         */
        public String summary() {
            if (ok() && config.isPresent()) {
                return config.get().summary() + ": OK";
            }
            return file + ": " + GatewayConfig.count(problems.size(), "problem");
        }

        /** The last object of {@code --json}. */
        public Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", "summary");
            m.put("file", file.toString());
            m.put("ok", ok());
            m.put("problems", problems.size());
            m.put("gateway", gateway.orElse(null));
            m.put("devices", devices);
            m.put("points", points);
            m.put("uplink", uplink.map(HostPort::toString).orElse(null));
            return m;
        }
    }

    /** Checks a config file; never throws for a bad file: that is what the report is for. */
    public static Report run(Path file) {
        ConfigReader.Result r = ConfigReader.read(file);
        List<Problem> problems = new ArrayList<>(r.problems());
        DriverPackages packages =
                r.gateway() == null
                        ? DriverPackages.bundledOnly()
                        : DriverPackages.of(
                                r.gateway().dataDir(),
                                (r.admin() == null ? AdminSection.DEFAULT : r.admin()).listen());
        packages.registryFailure()
                .ifPresent(
                        why ->
                                problems.add(
                                        new Problem(
                                                file,
                                                r.gateway().lines().of("data_dir"),
                                                0,
                                                "gateway.data_dir",
                                                why)));
        problems.addAll(new DriverVerdicts(packages).check(r.checkable()));
        if (r.gateway() != null) {
            problems.addAll(dataDir(file, r.gateway()));
        }
        r.uplink().ifPresent(u -> problems.addAll(pki(file, r.gateway(), u)));
        problems.sort(Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
        return new Report(
                file,
                problems,
                problems.isEmpty() ? Optional.ofNullable(r.config()) : Optional.empty(),
                Optional.ofNullable(r.gateway()).map(Gateway::name),
                r.deviceTables(),
                r.pointTables(),
                r.uplink().map(UplinkSection::receiver));
    }

    /**
     * {@code weir run} creates the data folder if missing; what exists must be a writable folder.
     */
    static List<Problem> dataDir(Path file, Gateway g) {
        Path dir = g.dataDir();
        int line = g.lines().of("data_dir");
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        String why = null;
        if (existing == null) {
            why = "no part of " + dir + " exists";
        } else if (!Files.isDirectory(existing)) {
            why =
                    existing.equals(dir)
                            ? dir + " is not a folder"
                            : dir + " cannot be created: " + existing + " is not a folder";
        } else if (!Files.isWritable(existing)) {
            why =
                    existing.equals(dir)
                            ? "folder " + dir + " is not writable"
                            : dir + " cannot be created: " + existing + " is not writable";
        }
        return why == null
                ? List.of()
                : List.of(new Problem(file, line, 0, "gateway.data_dir", why));
    }

    /** The files of UPLINK.md §9 that the gateway side reads, for gateway {@code g}. */
    static List<Problem> pki(Path file, Gateway g, UplinkSection u) {
        List<Problem> problems = new ArrayList<>();
        int line = u.lines().of("pki");
        Path dir = u.pki();
        if (!Files.isDirectory(dir)) {
            String name = g == null ? "NAME" : g.name();
            problems.add(
                    new Problem(
                            file,
                            line,
                            0,
                            "uplink.pki",
                            "folder "
                                    + dir
                                    + " does not exist; make it with `weir pki init --dir "
                                    + dir
                                    + " --gateway "
                                    + name
                                    + "`"));
            return problems;
        }
        UplinkPki pki = new UplinkPki(dir);
        try {
            pki.algorithm();
        } catch (IOException | IllegalArgumentException e) {
            problems.add(new Problem(file, line, 0, "uplink.pki", clean(e)));
        }
        X509Certificate ca = null;
        try {
            ca = UplinkPki.readCertificate(pki.caCert());
        } catch (IOException | GeneralSecurityException e) {
            problems.add(new Problem(file, line, 0, "uplink.pki", "CA certificate: " + clean(e)));
        }
        try {
            UplinkPki.readPublicKey(pki.envelopePublicKey());
        } catch (IOException | RuntimeException e) {
            problems.add(
                    new Problem(
                            file,
                            line,
                            0,
                            "uplink.pki",
                            "the receiver's envelope key: " + clean(e)));
        }
        if (g == null) {
            return problems;
        }
        Path certFile = pki.gatewayCert(g.name());
        if (!Files.exists(certFile)) {
            problems.add(
                    new Problem(
                            file,
                            line,
                            0,
                            "uplink.pki",
                            "no certificate for gateway "
                                    + g.name()
                                    + " ("
                                    + certFile
                                    + "); issue one with `weir pki issue --dir "
                                    + dir
                                    + " --name "
                                    + g.name()
                                    + "`"));
            return problems;
        }
        try {
            X509Certificate cert = UplinkPki.readCertificate(certFile);
            String cn = UplinkPki.commonName(cert);
            if (!cn.equals(g.name())) {
                problems.add(
                        new Problem(
                                file,
                                line,
                                0,
                                "uplink.pki",
                                certFile
                                        + " names CN="
                                        + TerminalText.escape(cn)
                                        + ", not the gateway name "
                                        + g.name()));
            }
            try {
                cert.checkValidity(Date.from(Instant.now()));
            } catch (CertificateExpiredException e) {
                problems.add(
                        new Problem(
                                file,
                                line,
                                0,
                                "uplink.pki",
                                certFile
                                        + " expired on "
                                        + cert.getNotAfter().toInstant()
                                        + "; issue a new one with `weir pki issue --dir "
                                        + dir
                                        + " --name "
                                        + g.name()
                                        + "`"));
            } catch (CertificateNotYetValidException e) {
                problems.add(
                        new Problem(
                                file,
                                line,
                                0,
                                "uplink.pki",
                                certFile
                                        + " is not valid before "
                                        + cert.getNotBefore().toInstant()
                                        + " (is the clock right?)"));
            }
            if (ca != null) {
                try {
                    cert.verify(ca.getPublicKey(), ShangMi.provider());
                } catch (GeneralSecurityException e) {
                    problems.add(
                            new Problem(
                                    file,
                                    line,
                                    0,
                                    "uplink.pki",
                                    certFile
                                            + " is not signed by the CA in "
                                            + pki.caCert()
                                            + " (a certificate from another PKI folder?)"));
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            problems.add(
                    new Problem(file, line, 0, "uplink.pki", "gateway certificate: " + clean(e)));
        }
        try {
            UplinkPki.readPrivateKey(pki.gatewayKey(g.name()));
        } catch (IOException | RuntimeException e) {
            problems.add(new Problem(file, line, 0, "uplink.pki", "gateway key: " + clean(e)));
        }
        return problems;
    }

    private static String clean(Exception e) {
        return TerminalText.escape(e.getMessage() == null ? e.toString() : e.getMessage());
    }
}
