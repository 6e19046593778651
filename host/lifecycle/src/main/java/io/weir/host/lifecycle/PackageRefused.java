package io.weir.host.lifecycle;

/**
 * A driver package that cannot be installed, packed or run: its message is one line that names the
 * file and what is wrong with it (a truncated zip, a manifest field, the module's disagreement, a
 * signature, a failing vector). Nothing has been changed when it is thrown.
 */
public final class PackageRefused extends Exception {
    public PackageRefused(String message) {
        super(message);
    }

    public PackageRefused(String message, Throwable cause) {
        super(message, cause);
    }
}
