package io.weir.tools.driver;

import io.weir.host.driver.DriverModule;
import io.weir.host.lifecycle.VectorReport;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The JSON objects of the driver lifecycle, the same from the admin API and from the data folder,
 * so that {@code weir driver … --json} prints the same whichever way it went, and the human tables
 * are drawn from them.
 */
public final class DriverViews {
    private DriverViews() {}

    /** {@code weir driver list}: every driver with its versions, active and previous version. */
    public static Map<String, Object> list(DriverLifecycle lc, LiveDrivers live)
            throws SQLException {
        DriverRegistry r = lc.registry();
        Map<String, DriverRegistry.Activation> act = r.activations();
        List<DriverRegistry.Installed> installed = r.installed();
        Map<String, String[]> pins = r.pins();
        TreeSet<String> names = new TreeSet<>(act.keySet());
        installed.forEach(i -> names.add(i.name()));
        List<Object> drivers = new ArrayList<>();
        for (String name : names) {
            Map<String, Object> d = new LinkedHashMap<>();
            DriverRegistry.Activation a =
                    act.getOrDefault(
                            name,
                            new DriverRegistry.Activation(
                                    name, Optional.empty(), Optional.empty()));
            d.put("name", name);
            d.put("active", a.active().orElse(DriverLifecycle.BUNDLED));
            d.put(
                    "previous",
                    a.previous().map(p -> p.orElse(DriverLifecycle.BUNDLED)).orElse(null));
            DriverModule running = live == null ? null : live.running(name);
            d.put("running", running == null ? null : running.manifest().version());
            d.put("on_probation", lc.onProbation(name));
            List<Object> versions = new ArrayList<>();
            for (DriverRegistry.Installed i : installed) {
                if (i.name().equals(name)) {
                    versions.add(installed(i));
                }
            }
            d.put("versions", versions);
            List<Object> pinned = new ArrayList<>();
            for (Map.Entry<String, String[]> p : pins.entrySet()) {
                if (p.getValue()[0].equals(name)) {
                    pinned.add(Map.of("device", p.getKey(), "version", p.getValue()[1]));
                }
            }
            d.put("pinned", pinned);
            drivers.add(d);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data_dir", r.dataDir().toString());
        m.put("drivers", drivers);
        return m;
    }

    public static Map<String, Object> installed(DriverRegistry.Installed i) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", i.name());
        v.put("version", i.version());
        v.put("sha256", i.sha256());
        v.put("signer", i.signer());
        v.put("vendor", i.vendor());
        v.put("description", i.description());
        v.put("abi_version", abiText(i.abiVersion()));
        v.put("protocol", i.protocol());
        v.put("transport", i.transport());
        v.put("installed_at", i.installedAt().toString());
        v.put("installed_via", i.installedVia());
        v.put("file", i.file().toString());
        return v;
    }

    public static String abiText(int v) {
        return (v >>> 16) + "." + (v & 0xffff);
    }

    /** The answer to an install. */
    public static Map<String, Object> install(DriverLifecycle.Installed r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("installed", installed(r.version()));
        m.put("signature", r.signature().describe());
        m.put("trusted", r.signature().trust() == PackageSignature.Trust.TRUSTED);
        m.put("vectors", vectors(r.selfTest()));
        m.put("activated", r.activated());
        m.put("switched", r.swapped());
        return m;
    }

    public static Map<String, Object> vectors(VectorReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("passed", r.passed());
        m.put("failed", r.failed());
        m.put("skipped", r.skipped());
        return m;
    }

    /** The answer to activate and rollback. */
    public static Map<String, Object> switched(String name, String version, List<String> devices) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("active", version);
        m.put("switched", devices);
        return m;
    }

    public static Map<String, Object> audit(List<DriverRegistry.AuditEntry> entries) {
        List<Object> out = new ArrayList<>();
        for (DriverRegistry.AuditEntry e : entries) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("seq", e.seq());
            a.put("at", e.at().toString());
            a.put("origin", e.origin());
            a.put("action", e.action());
            a.put("name", e.name());
            a.put("version", e.version());
            a.put("detail", e.detail());
            out.add(a);
        }
        return Map.of("audit", out);
    }
}
