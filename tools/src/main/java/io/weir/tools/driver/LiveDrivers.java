package io.weir.tools.driver;

import io.weir.host.driver.DriverModule;
import java.util.List;

/**
 * What the driver lifecycle needs of a running gateway: compile a module as its kernel runs it, and
 * switch the devices that follow a driver to another version at their next cycle boundary. The
 * gateway implements it; without a gateway the lifecycle only changes the registry.
 */
public interface LiveDrivers {

    /** Compiles and probes a module with the kernel's engine, limits and watchdog. */
    DriverModule load(String sourceName, byte[] wasm);

    /** The version the devices following {@code name} run now, or {@code null} if none does. */
    DriverModule running(String name);

    /**
     * Switches every device that follows {@code name} (not one that pins a version) to {@code
     * next}, each between two of its cycles with its state handed across (ABI §7.7). If any device
     * cannot switch (the new version refuses its config), every device is switched back and the
     * swap fails.
     *
     * @return the devices switched
     * @throws IllegalStateException naming the device that refused and why
     */
    List<String> swap(String name, DriverModule next);

    /**
     * Driver errors (frames refused, failed calls) of the devices running {@code module} since it
     * started running, for the probation of a new version.
     */
    long errors(DriverModule module);
}
