package io.weir.tools.bench;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.apache.plc4x.java.api.PlcConnection;
import org.apache.plc4x.java.api.PlcDriverManager;
import org.apache.plc4x.java.api.exceptions.PlcConnectionException;
import org.apache.plc4x.java.api.exceptions.PlcTimeoutException;
import org.apache.plc4x.java.api.messages.PlcReadRequest;
import org.apache.plc4x.java.api.messages.PlcReadResponse;
import org.apache.plc4x.java.api.types.PlcResponseCode;

/**
 * One Modbus TCP device read through Apache PLC4X's public API, as a PLC4X user writes it: a
 * connection from the default driver manager for a {@code modbus-tcp://} URL, read requests built
 * once from tag addresses and executed again and again.
 *
 * <p>PLC4X's tag addresses are logical, one-based register numbers ({@code holding-register:101} is
 * register 100 on the wire, Modbus Application Protocol v1.1b3 §4.4); this class takes wire
 * addresses, like j2mod and the gateway's point maps, and converts. Registers are read as {@code
 * UINT}, the unsigned 16-bit value the gateway's {@code type=u16} points also decode.
 */
final class Plc4xMaster implements AutoCloseable {

    private static final String TAG = "registers";

    private final PlcConnection connection;
    private final int[] addresses;
    private final PlcReadRequest[] requests;

    private Plc4xMaster(PlcConnection connection, int[] addresses, PlcReadRequest[] requests) {
        this.connection = connection;
        this.addresses = addresses;
        this.requests = requests;
    }

    /** The connection URL of a device: unit id and request timeout are PLC4X's URL parameters. */
    static String url(String host, int port, int unit, Duration timeout) {
        if (unit < 0 || unit > 255) {
            throw new IllegalArgumentException("unit id must be 0..255, got " + unit);
        }
        return "modbus-tcp://"
                + host
                + ":"
                + port
                + "?default-unit-identifier="
                + unit
                + "&request-timeout="
                + timeout.toMillis();
    }

    /**
     * Opens a connection and builds one read request of {@code quantity} holding registers for each
     * wire address in {@code addresses}.
     *
     * @throws PlcConnectionException when PLC4X cannot connect (its message names the URL's host)
     */
    static Plc4xMaster open(
            String host, int port, int unit, Duration timeout, int[] addresses, int quantity)
            throws PlcConnectionException {
        if (quantity < 1 || quantity > 125) {
            throw new IllegalArgumentException("quantity must be 1..125, got " + quantity);
        }
        PlcConnection c =
                PlcDriverManager.getDefault()
                        .getConnectionManager()
                        .getConnection(url(host, port, unit, timeout));
        try {
            PlcReadRequest[] requests = new PlcReadRequest[addresses.length];
            for (int i = 0; i < addresses.length; i++) {
                requests[i] =
                        c.readRequestBuilder()
                                .addTagAddress(TAG, tagAddress(addresses[i], quantity))
                                .build();
            }
            return new Plc4xMaster(c, addresses.clone(), requests);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** PLC4X's address of {@code quantity} holding registers from wire address {@code address}. */
    static String tagAddress(int address, int quantity) {
        if (address < 0 || address > 65535) {
            throw new IllegalArgumentException("register address must be 0..65535, got " + address);
        }
        return "holding-register:" + (address + 1) + ":UINT[" + quantity + "]";
    }

    /** How many read requests were built (one per address given to {@link #open}). */
    int requests() {
        return requests.length;
    }

    /** The wire address request {@code i} reads from. */
    int address(int i) {
        return addresses[i];
    }

    /**
     * Executes request {@code i}; completes with the registers' values, or exceptionally when PLC4X
     * times out, the device answers an exception, or the connection fails.
     */
    CompletableFuture<int[]> read(int i) {
        int address = addresses[i];
        return requests[i].execute().thenApply(r -> values(r, address));
    }

    private static int[] values(PlcReadResponse r, int address) {
        PlcResponseCode code = r.getResponseCode(TAG);
        if (code != PlcResponseCode.OK) {
            throw new IllegalStateException(
                    "PLC4X read of holding register " + address + " answered " + code);
        }
        Collection<Integer> all = r.getAllIntegers(TAG);
        int[] v = new int[all.size()];
        int k = 0;
        for (Integer x : all) {
            v[k++] = x;
        }
        return v;
    }

    /** Whether a failed read's cause is PLC4X's request timeout. */
    static boolean isTimeout(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TimeoutException || c instanceof PlcTimeoutException) {
                return true;
            }
        }
        return false;
    }

    boolean isConnected() {
        return connection.isConnected();
    }

    @Override
    public void close() {
        closeQuietly(connection);
    }

    private static void closeQuietly(PlcConnection c) {
        try {
            c.close();
        } catch (Exception e) {
            // Closing a benchmark's connection: the device goes away with the run either way.
        }
    }
}
