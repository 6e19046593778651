package io.weir.tools.replay;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.abi.DeviceConfig;
import io.weir.host.driver.DriverException;
import io.weir.host.driver.DriverInstance;
import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverRecord;
import io.weir.host.driver.DriverTrapped;
import io.weir.host.driver.FrameLength;
import io.weir.host.driver.Watchdog;
import io.weir.host.wasm.Engines;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Replay's driver calls on the host runtime: one instance serves every device while the driver
 * accepts several (ABI.md §2 rule 6); a driver that refuses a second device handle gets an instance
 * per device. An instance that traps is thrown away and its devices are reopened on a fresh one
 * (ABI.md §9); the call that trapped is reported as failed.
 *
 * <p>The trap policy is the gateway's, on the capture's clock: after {@value Abi#QUARANTINE_TRAPS}
 * traps within 10 minutes of <em>capture time</em> the driver version is quarantined and no
 * instance is made any more; every later call fails with the reason. Capture time, not wall time or
 * a count of calls, because replay shows what the gateway would have done with this traffic: a
 * capture replayed in seconds would otherwise quarantine a driver that traps once every few
 * minutes, which a live gateway keeps re-creating. The capture's clock is the {@code now_us} of the
 * last {@link #onFrame}; a trap before the first one counts at time 0.
 */
public final class HostReplayDriver implements ReplayDriver {
    /**
     * The ABI's memory cap, and the open budget (1 s) for every call. Replay is offline: a call
     * that runs past 50 ms because the machine is busy (a GC pause, a build next door) must not
     * turn a decoded pair into a trap and make the output depend on the load. A runaway loop is
     * still stopped, after 1 s.
     */
    public static final DriverLimits LIMITS =
            new DriverLimits(Abi.MEMORY_CAP_PAGES, Abi.OPEN_BUDGET_MS, Abi.OPEN_BUDGET_MS);

    /** Loads, checks and compiles a driver for replay, with {@link #LIMITS}. */
    public static DriverModule load(String label, byte[] wasm) {
        return DriverModule.load(Engines.chicory(), label, wasm, LIMITS, Watchdog.shared());
    }

    private final DriverModule module;
    private final Map<Integer, DriverInstance> instanceOf = new HashMap<>();
    private final Map<Integer, String> configOf = new HashMap<>();
    private final List<DriverInstance> instances = new ArrayList<>();
    private boolean onePerInstance;
    private int nextDev;
    private int traps;
    private long captureMicros;
    private String quarantine;

    private final String transport;

    /** Names of the point map's points by index (from a DBC), or empty: {@code #N}. */
    private List<String> pointNames = List.of();

    /** Replays traffic of a TCP link. */
    public HostReplayDriver(DriverModule module) {
        this(module, "tcp");
    }

    /**
     * Replays traffic of a link of this kind ({@code tcp}, {@code serial}, {@code can}): with
     * agreed ABI 1.1 the device line gets the host key {@code weir.transport} with it, as a live
     * session adds it (ABI §5.1).
     */
    public HostReplayDriver(DriverModule module, String transport) {
        this.module = module;
        this.transport = transport;
    }

    /**
     * Names the points of the point map every device is opened with, by index (a DBC's {@code
     * MESSAGE.SIGNAL}); a point without a name is shown as {@code #N}.
     */
    public HostReplayDriver pointNames(List<String> names) {
        this.pointNames = List.copyOf(names);
        return this;
    }

    private String pointName(int point) {
        return point >= 0 && point < pointNames.size() ? pointNames.get(point) : "#" + point;
    }

    /** Number of traps met (each cost one instance). */
    public int traps() {
        return traps;
    }

    /**
     * Why the driver is quarantined, e.g. {@code modbus 0.1.0 is quarantined after 5 traps within
     * 10 minutes of capture time (ABI §9)}, or {@code null} while it is not.
     */
    public String quarantine() {
        return quarantine;
    }

    /**
     * The config text a device opened with {@code config} is given: with agreed ABI 1.1 its device
     * line gets the host key {@code weir.transport} (ABI §5.1).
     */
    public String deviceConfig(String config) {
        if (module.agreedMinor() < Abi.MINOR_1_1) {
            return config;
        }
        return DeviceConfig.parse(config)
                .withHostKeys(Map.of(Abi.HOST_KEY_TRANSPORT, transport))
                .text();
    }

    /** The minor version of the host that loaded the driver (ABI §3.3), 1.1 for replay. */
    public int hostMinor() {
        return module.hostMinor();
    }

    /** The driver's manifest name (ABI §3.4), which a vector file names. */
    public String driverName() {
        return module.manifest().name();
    }

    @Override
    public int open(String config) {
        int dev = nextDev++;
        configOf.put(dev, deviceConfig(config));
        instanceOf.put(dev, null);
        attach(dev);
        return dev;
    }

    /**
     * Opens {@code dev} on the shared instance, or on a fresh one (none yet, or the driver serves
     * one device per instance). A trap while opening counts like any other; the device is then
     * opened on a fresh instance, until the driver is quarantined and it stays without one.
     *
     * @throws IllegalStateException if the driver refuses the device's config
     */
    private void attach(int dev) {
        if (quarantine != null) {
            // No instance any more: the handle exists so that every call on it says why.
            return;
        }
        String config = configOf.get(dev);
        DriverInstance room = onePerInstance ? null : withRoom();
        DriverInstance inst = room == null ? fresh(dev) : room;
        try {
            try {
                inst.open(dev, config, System.currentTimeMillis() * 1000L);
            } catch (DriverException e) {
                if (e.error() != AbiError.E_UNSUPPORTED || onePerInstance) {
                    throw e;
                }
                // ABI.md §2 rule 6: a one-device driver refuses a second handle.
                onePerInstance = true;
                inst = fresh(dev);
                inst.open(dev, config, System.currentTimeMillis() * 1000L);
            }
            instanceOf.put(dev, inst);
        } catch (DriverException e) {
            throw new IllegalStateException(
                    "driver "
                            + module.label()
                            + " refused device config \""
                            + config.strip()
                            + "\": "
                            + e.getMessage(),
                    e);
        } catch (DriverTrapped e) {
            instanceOf.put(dev, inst);
            recover(dev, e);
        }
    }

    /**
     * An instance that serves fewer devices than the driver's {@code max_devices} (ABI 1.1 §3.4; no
     * limit without one), or {@code null}.
     */
    private DriverInstance withRoom() {
        Integer max = module.manifest().maxDevices();
        int cap = max == null ? Integer.MAX_VALUE : max;
        for (DriverInstance i : instances) {
            int serves = 0;
            for (DriverInstance used : instanceOf.values()) {
                if (used == i) {
                    serves++;
                }
            }
            if (serves < cap) {
                return i;
            }
        }
        return null;
    }

    private DriverInstance fresh(int forDev) {
        DriverInstance inst = module.instantiate(module.label() + "/replay-" + forDev);
        instances.add(inst);
        return inst;
    }

    @Override
    public Framing frameLen(int dev, byte[] rx, int off, int len) {
        DriverInstance inst = instanceOf.get(dev);
        if (inst == null) {
            // Quarantined: nothing can frame the bytes.
            return new Framing(AbiError.E_INTERNAL.code(), 0);
        }
        int n = Math.min(len, inst.rxCapacity());
        try {
            FrameLength f = inst.frameLen(dev, rx, off, n);
            return switch (f.kind()) {
                case COMPLETE -> new Framing(f.length(), 0, f.corr());
                case NEED_MORE ->
                        n < len
                                // More bytes are buffered than rx holds and still no frame: the
                                // frame would be longer than rx_cap, which §7.2 calls garbage.
                                ? new Framing(AbiError.E_RESYNC.code(), 1)
                                : new Framing(0, 0);
                case RESYNC -> new Framing(AbiError.E_RESYNC.code(), f.skip());
            };
        } catch (DriverException e) {
            return new Framing(e.code(), 0);
        } catch (DriverTrapped e) {
            recover(dev, e);
            return new Framing(AbiError.E_INTERNAL.code(), 0);
        }
    }

    @Override
    public Framing frameEnd(int dev, byte[] rx) {
        DriverInstance inst = instanceOf.get(dev);
        if (inst == null) {
            return new Framing(AbiError.E_INTERNAL.code(), 0);
        }
        if (inst.agreedMinor() < Abi.MINOR_1_1 || rx.length == 0) {
            // §3.3: no weir_frame_end with agreed version 1.0; §7.10: never with rx_len 0.
            return new Framing(AbiError.E_UNSUPPORTED.code(), 0);
        }
        int n = Math.min(rx.length, inst.rxCapacity());
        try {
            FrameLength f = inst.frameEnd(dev, rx, 0, n);
            return switch (f.kind()) {
                case COMPLETE -> new Framing(f.length(), 0, f.corr());
                case NEED_MORE -> new Framing(0, 0);
                case RESYNC -> new Framing(AbiError.E_RESYNC.code(), f.skip());
            };
        } catch (DriverException e) {
            return new Framing(e.code(), 0);
        } catch (DriverTrapped e) {
            recover(dev, e);
            return new Framing(AbiError.E_INTERNAL.code(), 0);
        }
    }

    @Override
    public Outcome observe(int dev, byte[] request) {
        if (instanceOf.get(dev) == null) {
            return new Outcome(AbiError.E_INTERNAL.code(), List.of(), quarantine);
        }
        try {
            long corr = instanceOf.get(dev).observe(dev, request);
            return new Outcome(0, List.of(), null, 0, corr);
        } catch (DriverException e) {
            return new Outcome(e.code(), List.of(), e.driverText());
        } catch (DriverTrapped e) {
            return new Outcome(AbiError.E_INTERNAL.code(), List.of(), recover(dev, e));
        }
    }

    @Override
    public Outcome onFrame(int dev, byte[] response, long nowUs) {
        captureMicros = Math.max(captureMicros, nowUs);
        DriverInstance inst = instanceOf.get(dev);
        if (inst == null) {
            return new Outcome(AbiError.E_INTERNAL.code(), List.of(), quarantine);
        }
        try {
            List<DriverRecord> records = inst.onFrame(dev, response, 0, response.length, nowUs);
            String error = null;
            for (DriverRecord r : records) {
                if (!r.good()) {
                    // §7.8: the text of the last bad record produced for dev.
                    error = inst.lastError(dev);
                    break;
                }
            }
            List<Decoded> decoded = new ArrayList<>(records.size());
            for (DriverRecord r : records) {
                decoded.add(
                        new Decoded(
                                r.named() ? r.name() : pointName(r.point()),
                                r.value(),
                                r.quality(),
                                Math.floorDiv(r.tsUs(), 1000L),
                                r.good() ? null : (error == null || error.isEmpty() ? null : error),
                                r.flags(),
                                r));
            }
            return new Outcome(records.size(), decoded, null, inst.frameFlags());
        } catch (DriverException e) {
            return new Outcome(e.code(), List.of(), e.driverText());
        } catch (DriverTrapped e) {
            return new Outcome(AbiError.E_INTERNAL.code(), List.of(), recover(dev, e));
        }
    }

    @Override
    public boolean decodesUnsolicited() {
        return module.manifest().asAgreed(module.agreedMinor()).receivesUnsolicited();
    }

    @Override
    public void close(int dev) {
        DriverInstance inst = instanceOf.remove(dev);
        configOf.remove(dev);
        if (inst == null) {
            return;
        }
        try {
            inst.close(dev);
        } catch (DriverException e) {
            // The device is forgotten on this side either way; the next open uses a new handle.
        } catch (DriverTrapped e) {
            recoverInstance(inst, dev, e);
        }
        if (!instanceOf.containsValue(inst)) {
            // Its last device is gone, so is its linear memory (a capture of thousands of
            // connections must not keep an instance for each).
            instances.remove(inst);
            inst.close();
        }
    }

    /**
     * Counts a trap (ABI §9, on the capture's clock), drops the instance and reopens its devices on
     * fresh ones, or quarantines the driver; returns the trap text for the report.
     */
    private String recover(int dev, DriverTrapped trap) {
        return recoverInstance(instanceOf.get(dev), dev, trap);
    }

    private String recoverInstance(DriverInstance dead, int dev, DriverTrapped trap) {
        traps++;
        instances.remove(dead);
        dead.close();
        if (module.recordTrap(captureMicros / 1000L, trap.getMessage())) {
            // No more instances: every device loses its instance, not only this one.
            quarantine =
                    module.label()
                            + " is quarantined after "
                            + Abi.QUARANTINE_TRAPS
                            + " traps within 10 minutes of capture time (ABI §9); the rest of the"
                            + " capture is not decoded";
            close();
            instanceOf.replaceAll((d, i) -> null);
            return "driver trapped: " + trap.getMessage() + "; " + quarantine;
        }
        if (!instanceOf.containsValue(dead)) {
            // The device that trapped was being closed: nothing to reopen.
            return "driver trapped (instance dropped): " + trap.getMessage();
        }
        List<Integer> orphans = new ArrayList<>();
        for (Map.Entry<Integer, DriverInstance> e : instanceOf.entrySet()) {
            if (e.getValue() == dead) {
                orphans.add(e.getKey());
                e.setValue(null);
            }
        }
        for (int d : orphans) {
            if (instanceOf.get(d) == null) {
                attach(d);
            }
        }
        return quarantine != null
                ? "driver trapped: " + trap.getMessage() + "; " + quarantine
                : "driver trapped (instance replaced): " + trap.getMessage();
    }

    @Override
    public void close() {
        for (DriverInstance i : instances) {
            i.close();
        }
        instances.clear();
    }
}
