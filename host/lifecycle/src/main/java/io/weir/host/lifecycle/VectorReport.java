package io.weir.host.lifecycle;

import java.util.List;

/**
 * What running a driver's vectors gave: one result per vector, in file and vector order.
 *
 * @param driver the driver's label, e.g. {@code modbus 0.1.0}
 */
public record VectorReport(String driver, List<Result> results) {

    public enum Outcome {
        PASSED,
        FAILED,
        /** A vector this host cannot run (VECTORS.md: a vector for a newer host ABI). */
        SKIPPED
    }

    /**
     * @param file the vector file, e.g. {@code vectors/requests.json}
     * @param vector the vector's name, or {@code null} when the whole file failed (malformed)
     * @param message why it failed or was skipped; for a failure, the first line says what and the
     *     next lines show the difference
     */
    public record Result(String file, String vector, Outcome outcome, String message) {
        /** {@code requests.json "fc3 cycle"}. */
        public String label() {
            return file + (vector == null ? "" : " " + PackageManifest.quote(vector));
        }
    }

    public VectorReport {
        results = List.copyOf(results);
    }

    public long count(Outcome o) {
        return results.stream().filter(r -> r.outcome() == o).count();
    }

    public long passed() {
        return count(Outcome.PASSED);
    }

    public long failed() {
        return count(Outcome.FAILED);
    }

    public long skipped() {
        return count(Outcome.SKIPPED);
    }

    /** Every vector that ran passed, and at least one ran. */
    public boolean ok() {
        return failed() == 0 && passed() > 0;
    }

    /** {@code modbus 0.1.0: 57 passed, 0 failed, 3 skipped}. */
    public String summary() {
        return driver
                + ": "
                + passed()
                + " passed, "
                + failed()
                + " failed, "
                + skipped()
                + " skipped";
    }

    /** One line for a refusal: how many failed and the first failure's first line. */
    public String failureLine() {
        if (passed() == 0 && failed() == 0) {
            return "no vector ran ("
                    + results.size()
                    + " skipped): a package must carry vectors this host can run";
        }
        Result first =
                results.stream()
                        .filter(r -> r.outcome() == Outcome.FAILED)
                        .findFirst()
                        .orElseThrow();
        String line = first.message().lines().findFirst().orElse("");
        return failed()
                + " of "
                + (passed() + failed())
                + " vectors fail; first: "
                + first.label()
                + ": "
                + line;
    }
}
