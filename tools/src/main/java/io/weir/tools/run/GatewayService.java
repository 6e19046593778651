package io.weir.tools.run;

import io.weir.host.points.PointSink;
import io.weir.tools.admin.AdminServer;
import io.weir.tools.admin.AdminToken;
import io.weir.tools.admin.GatewayMetrics;
import io.weir.tools.cli.HostPort;
import io.weir.tools.gateway.Gateway;
import java.io.IOException;

/**
 * A gateway with its admin API and metrics beside it: what {@code weir run} and {@code weir demo}
 * run. The admin token is created (0600) in the data folder on first start.
 */
public final class GatewayService implements AutoCloseable {
    private final Gateway gateway;
    private final AdminServer admin;

    private GatewayService(Gateway gateway, AdminServer admin) {
        this.gateway = gateway;
        this.admin = admin;
    }

    /**
     * Starts the gateway, then the admin API on {@code adminListen}.
     *
     * @param adminListen where the admin API listens (port 0: any free port)
     * @param extra another sink for every point, or {@code null}
     * @throws IOException naming what could not start: a refused driver, the data folder, the PKI
     *     folder, the admin address
     */
    public static GatewayService start(
            Gateway.Settings settings, HostPort adminListen, PointSink extra) throws IOException {
        Gateway g = Gateway.start(settings, extra);
        try {
            AdminToken token = AdminToken.createOrRead(settings.dataDir());
            AdminServer admin =
                    AdminServer.start(
                            adminListen,
                            token,
                            g,
                            new GatewayMetrics(g),
                            new DriverEndpoints(g.lifecycle(), g));
            return new GatewayService(g, admin);
        } catch (IOException | RuntimeException e) {
            g.close();
            throw e;
        }
    }

    public Gateway gateway() {
        return gateway;
    }

    /** Where the admin API listens. */
    public HostPort adminAddress() {
        return admin.address();
    }

    /** Closes the admin API, then stops the gateway gracefully ({@link Gateway#close}). */
    @Override
    public void close() {
        close(Gateway.DRAIN);
    }

    /** {@link #close()}, waiting up to {@code drain} for the receiver's acknowledgements. */
    public void close(java.time.Duration drain) {
        admin.close();
        gateway.close(drain);
    }
}
