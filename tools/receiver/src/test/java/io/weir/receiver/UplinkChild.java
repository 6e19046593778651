package io.weir.receiver;

import io.weir.host.uplink.Uplink;
import io.weir.host.uplink.UplinkConfig;
import io.weir.host.uplink.UplinkPki;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A gateway process for {@link UplinkKillIT}: {@code stream} mode sends numbered points forever and
 * prints {@code COMMITTED n} each time the outbox durably holds the first n; {@code finite} mode
 * sends n points, waits until all are acknowledged and prints {@code DRAINED}.
 */
public final class UplinkChild {
    private UplinkChild() {}

    public static void main(String[] args) throws Exception {
        UplinkPki pki = new UplinkPki(Path.of(args[0]));
        int port = Integer.parseInt(args[1]);
        String outbox = "jdbc:h2:file:" + args[2];
        String device = args[3];
        String mode = args[4];
        UplinkConfig cfg =
                UplinkConfig.forGateway(pki, "gw-01", "127.0.0.1", port, outbox)
                        .withBatching(new UplinkConfig.Batching(500, Duration.ofMillis(20), 8))
                        .withBackoff(
                                new UplinkConfig.Backoff(
                                        Duration.ofMillis(100),
                                        Duration.ofSeconds(2),
                                        Duration.ofSeconds(30)));
        Uplink up = Uplink.start(cfg);
        System.out.println(
                "STARTED epoch="
                        + up.status().epoch()
                        + " backlog="
                        + up.status().outbox().batches());
        if (mode.equals("stream")) {
            long printed = -1;
            for (long i = 0; ; i += 100) {
                up.sink().accept(UplinkLoopbackIT.numbered(device, i, 100));
                long c = up.status().committedPoints();
                if (c != printed) {
                    System.out.println("COMMITTED " + c);
                    System.out.flush();
                    printed = c;
                }
                if (i % 2000 == 0) {
                    Thread.sleep(2);
                }
            }
        }
        int n = Integer.parseInt(args[5]);
        up.sink().accept(UplinkLoopbackIT.numbered(device, 0, n));
        up.flush();
        boolean drained = up.awaitDrained(Duration.ofSeconds(120));
        System.out.println((drained ? "DRAINED " : "NOT-DRAINED ") + up.status());
        up.stop();
        System.exit(drained ? 0 : 3);
    }
}
