package io.weir.host.poll;

import io.weir.host.driver.DriverInstance;
import io.weir.host.driver.DriverModule;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Devices of one driver version that share one instance, each under its own device handle (ABI
 * §2.6), so that many small devices do not each cost a linear memory. The members share one serial
 * executor: the instance is never called concurrently (§2.7), and a trap or a runaway call affects
 * every member (the price of sharing; a group of one is full isolation).
 *
 * <p>How many devices join is the kernel's choice: the driver's manifest {@code max_devices} (ABI
 * v1.1 §3.4) or the operator's cap. A driver that answers {@code weir_open} for a second handle
 * with {@code E_UNSUPPORTED} serves one device per instance (the v1.0 rule, still honoured); the
 * group then gives each later member a private instance, still on the group's executor.
 *
 * <p>Everything but {@link #join} runs on the group's serial executor.
 */
public final class InstanceGroup {

    /** A device of the group, as the group sees it. */
    interface Member {
        /** The device name, for instance labels. */
        String name();

        /**
         * Another member trapped the instance this one is open on (called on the group's executor).
         */
        void instanceLost(DriverInstance dead, String why);
    }

    private final DriverModule module;
    private final int capacity;
    private final SerialExecutor serial;
    private final List<Member> members = new ArrayList<>();
    private final java.util.Map<Member, Integer> handles = new java.util.IdentityHashMap<>();
    private DriverInstance shared;
    private boolean onePerInstance;

    /**
     * @param capacity how many devices may share the instance
     * @param workers the pool the group's serial executor runs on
     */
    public InstanceGroup(DriverModule module, int capacity, Executor workers) {
        this(module, capacity, new SerialExecutor(workers));
    }

    private InstanceGroup(DriverModule module, int capacity, SerialExecutor serial) {
        if (capacity < 1) {
            throw new IllegalArgumentException("an instance serves at least one device");
        }
        this.module = module;
        this.capacity = capacity;
        this.serial = serial;
    }

    /**
     * The group this group's devices move to when their driver is swapped for {@code next} (ABI
     * §7.7): as many devices per instance, and the same serial executor, so that a device's events
     * before and after the swap never run at the same time.
     */
    public InstanceGroup successor(DriverModule next) {
        return successor(next, capacity);
    }

    /**
     * A successor ({@link #successor(DriverModule)}) of another capacity: the new version may
     * declare another {@code max_devices}; the devices of one group then move to several groups on
     * the same executor.
     */
    public InstanceGroup successor(DriverModule next, int capacity) {
        return new InstanceGroup(next, capacity, serial);
    }

    /**
     * Creates the shared instance now, on the calling thread, before any device joins: a swap then
     * costs the devices only opening their handle on it, not instantiating the module between two
     * of their cycles. Call it before the group is handed to any session.
     */
    public void prepare() {
        synchronized (this) {
            if (!members.isEmpty()) {
                throw new IllegalStateException("prepare a group before devices join it");
            }
        }
        if (shared == null) {
            shared = module.instantiate(module.label());
        }
    }

    /**
     * A device left the group (its driver was swapped): the shared instance is closed once no
     * device uses it. Runs on the group's executor.
     */
    void leave(Member s) {
        boolean empty;
        synchronized (this) {
            members.remove(s);
            handles.remove(s);
            empty = members.isEmpty();
        }
        if (empty && shared != null) {
            shared.close();
            shared = null;
        }
    }

    public DriverModule module() {
        return module;
    }

    SerialExecutor serial() {
        return serial;
    }

    /** How many devices joined. */
    public synchronized int size() {
        return members.size();
    }

    /** Whether another device can join. */
    public synchronized boolean hasRoom() {
        return members.size() < capacity;
    }

    /**
     * Adds a session; returns its device handle: the lowest one no member holds (a device that left
     * in a swap frees its handle, and the members that stay keep theirs).
     */
    synchronized int join(Member s) {
        if (!hasRoom()) {
            throw new IllegalStateException("instance group of " + module.label() + " is full");
        }
        int dev = 0;
        while (handles.containsValue(dev)) {
            dev++;
        }
        members.add(s);
        handles.put(s, dev);
        return dev;
    }

    /**
     * The instance a member should open its handle on: the shared one (created if there is none),
     * or a fresh private one once the driver has said it serves one device per instance.
     */
    DriverInstance instanceFor(Member s, int dev) {
        if (onePerInstance && dev > 0) {
            return module.instantiate(s.name());
        }
        if (shared == null || shared.dead()) {
            shared = module.instantiate(label());
        }
        return shared;
    }

    /** Whether an instance is the group's shared one. */
    boolean isShared(DriverInstance i) {
        return i != null && i == shared;
    }

    /** The driver refused a second handle: later members get private instances. */
    void onePerInstance() {
        onePerInstance = true;
    }

    /**
     * An instance trapped while serving {@code origin}: every other member on the same instance
     * loses it too (ABI §9: the devices it served go BAD_COMM until reopened).
     */
    void lost(DriverInstance dead, Member origin, String why) {
        if (dead == shared) {
            shared = null;
        }
        List<Member> others;
        synchronized (this) {
            others = new ArrayList<>(members);
        }
        for (Member m : others) {
            if (m != origin) {
                m.instanceLost(dead, why);
            }
        }
    }

    private String label() {
        synchronized (this) {
            if (members.isEmpty()) {
                return module.label();
            }
            if (members.size() == 1) {
                return members.get(0).name();
            }
            return "shared by " + members.size() + " devices";
        }
    }
}
