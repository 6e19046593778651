package io.weir.host.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.abi.Abi;
import io.weir.abi.Manifest;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverRefused;
import io.weir.host.driver.DriverTrapped;
import java.util.Map;
import java.util.function.Function;

/**
 * The checks of a package that need the runtime: the module loads (ABI §3 pre-flight, compile,
 * probe), what it says about itself ({@code weir_describe}) agrees with the package manifest, and
 * its vectors are well-formed and name it. Then {@link #selfTest} runs the vectors.
 */
public final class PackageCheck {
    private PackageCheck() {}

    /**
     * Loads the package's module with {@code loader} (the kernel's, so that the compiled module is
     * the one that runs) and checks it against the manifest.
     *
     * @throws PackageRefused naming the package and the disagreement
     */
    public static DriverModule module(DriverPackage pkg, Function<byte[], DriverModule> loader)
            throws PackageRefused {
        String where = pkg.where();
        if (pkg.moduleSize() > Abi.MODULE_SIZE_CAP_BYTES) {
            throw new PackageRefused(
                    where
                            + ": driver.wasm is "
                            + pkg.moduleSize()
                            + " bytes, over the module size cap of "
                            + Abi.MODULE_SIZE_CAP_BYTES
                            + " bytes (ABI §9)");
        }
        DriverModule module;
        try {
            module = loader.apply(pkg.module());
        } catch (DriverRefused | DriverTrapped e) {
            throw new PackageRefused(where + ": driver.wasm refused: " + e.getMessage(), e);
        }
        Manifest m = module.manifest();
        PackageManifest p = pkg.manifest();
        if (!m.name().equals(p.name())) {
            throw new PackageRefused(
                    where
                            + ": weir-package.json names the driver "
                            + PackageManifest.quote(p.name())
                            + ", but the module describes itself as "
                            + PackageManifest.quote(m.name())
                            + " (weir_describe)");
        }
        if (!m.version().equals(p.version())) {
            throw new PackageRefused(
                    where
                            + ": weir-package.json says version "
                            + PackageManifest.quote(p.version())
                            + ", but the module describes itself as "
                            + m.name()
                            + " "
                            + PackageManifest.quote(m.version())
                            + " (weir_describe)");
        }
        for (Map.Entry<String, byte[]> f : pkg.vectors().entrySet()) {
            try {
                JsonNode doc = VectorRunner.parse(f.getKey(), f.getValue());
                VectorRunner.checkDriver(module, doc);
            } catch (VectorRunner.MalformedVector e) {
                throw new PackageRefused(where + ": " + oneLine(e.getMessage()));
            }
        }
        return module;
    }

    /** Runs the package's vectors on the loaded module. */
    public static VectorReport selfTest(DriverPackage pkg, DriverModule module) {
        return VectorSuite.run(module, pkg.module(), pkg.vectors());
    }

    /**
     * Loads and self-tests: the whole check before a package may be installed.
     *
     * @throws PackageRefused naming the package and the first problem, or the first failing vector
     */
    public static DriverModule verified(DriverPackage pkg, Function<byte[], DriverModule> loader)
            throws PackageRefused {
        if (pkg.vectors().isEmpty()) {
            throw new PackageRefused(
                    pkg.where()
                            + ": no vectors/*.json: a package carries the golden vectors it is"
                            + " self-tested on");
        }
        DriverModule module = module(pkg, loader);
        VectorReport report = selfTest(pkg, module);
        if (!report.ok()) {
            throw new PackageRefused(pkg.where() + ": " + oneLine(report.failureLine()));
        }
        return module;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
