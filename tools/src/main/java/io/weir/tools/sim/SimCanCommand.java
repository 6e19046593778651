package io.weir.tools.sim;

import io.weir.host.serial.LineSettings;
import io.weir.host.serial.PtyPair;
import io.weir.tools.cli.HostPort;
import io.weir.tools.cli.JsonLines;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code weir sim can}: a candump log played onto a simulated CAN bus that a gateway reaches as an
 * slcan adapter (on a pty of its own, or a serial port) and/or as a socketcand server.
 */
@Command(
        name = "can",
        mixinStandardHelpOptions = true,
        header =
                "A CAN bus playing a candump log, reached as an slcan adapter or a socketcand server.",
        description = {
            "Play the frames of a candump -l log onto a simulated CAN bus at the recorded pace (or"
                    + " --speed times faster), and serve the bus as an slcan adapter on a serial"
                    + " port (--pty makes a pty pair and prints the gateway's end) and/or as a"
                    + " socketcand server (--socketcand HOST:PORT). Frames a gateway sends go on"
                    + " the bus and are counted. Runs until Ctrl-C."
        })
public final class SimCanCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--log",
            required = true,
            paramLabel = "FILE",
            description = "The candump -l log to play, e.g. (1436509052.249713) can0 123#DEADBEEF.")
    Path log;

    @Option(names = "--pty", description = "Serve an slcan adapter on a pty pair of its own.")
    boolean pty;

    @Option(
            names = "--device",
            paramLabel = "PATH",
            description = "Serve an slcan adapter on this serial port instead.")
    Path device;

    @Option(
            names = "--socketcand",
            paramLabel = "HOST:PORT",
            converter = HostPort.Converter.class,
            description = "Serve socketcand here, e.g. 127.0.0.1:29536 (port 0: any free port).")
    HostPort socketcand;

    @Option(
            names = "--bus",
            defaultValue = "can0",
            description = "The bus name socketcand clients open (default ${DEFAULT-VALUE}).")
    String bus;

    @Option(
            names = "--bitrate",
            defaultValue = "500000",
            description =
                    "The bus's bit rate (default ${DEFAULT-VALUE}); an slcan gateway that sets"
                            + " another hears nothing.")
    int bitrate;

    @Option(
            names = "--speed",
            defaultValue = "1",
            paramLabel = "X",
            description =
                    "Play X times faster than recorded; max: as fast as possible (default 1).")
    String speed;

    @Option(names = "--loop", description = "Start over at the end of the log.")
    boolean loop;

    @Option(
            names = "--iface",
            paramLabel = "NAME",
            description = "Only the frames of this interface of the log (e.g. can0).")
    String iface;

    @Option(
            names = "--wait",
            description =
                    "Hold the first frame until a gateway listens (slcan opened, socketcand raw mode).")
    boolean waitForGateway;

    @Option(
            names = "--duration",
            paramLabel = "S",
            description = "Stop after S seconds (default: run until Ctrl-C).")
    Double duration;

    @Option(names = "--json", description = "Print JSON lines instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!pty && device == null && socketcand == null) {
            throw new IllegalArgumentException(
                    "give at least one of --pty, --device PATH or --socketcand HOST:PORT");
        }
        if (pty && device != null) {
            throw new IllegalArgumentException(
                    "--pty and --device are two slcan adapters; give one");
        }
        double x;
        if (speed.equalsIgnoreCase("max")) {
            x = 0;
        } else {
            try {
                x = Double.parseDouble(speed);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--speed \"" + speed + "\" is not a number or max");
            }
            if (!(x > 0)) {
                throw new IllegalArgumentException("--speed must be > 0 (or max), got " + speed);
            }
        }
        if (!bus.matches("[A-Za-z0-9_.-]{1,16}")) {
            throw new IllegalArgumentException(
                    "--bus must be 1 to 16 of A-Z a-z 0-9 _ . -, got " + bus);
        }
        PrintWriter out = spec.commandLine().getOut();
        JsonLines lines = new JsonLines(out);
        Consumer<String> notes =
                text -> {
                    if (json) {
                        lines.write(Map.of("note", text));
                    } else {
                        synchronized (out) {
                            out.println(text);
                            out.flush();
                        }
                    }
                };
        List<AutoCloseable> open = new ArrayList<>();
        Path dir = null;
        try (CanBusSim sim = new CanBusSim(log, x, loop, iface, notes)) {
            print(
                    out,
                    lines,
                    Map.of("log", log.toString(), "speed", x == 0 ? "max" : speed, "loop", loop),
                    "CAN bus playing "
                            + log
                            + (x == 0 ? " at full speed" : x == 1 ? "" : " at " + speed + "x")
                            + (loop ? ", looping" : "")
                            + " (Ctrl-C stops it)");
            if (pty || device != null) {
                Path adapterPort = device;
                String gateway = null;
                if (pty) {
                    dir = Files.createTempDirectory("weir-can-");
                    PtyPair pair = PtyPair.open(dir.resolve("gateway"), dir.resolve("sim"));
                    open.add(pair);
                    adapterPort = pair.second();
                    gateway = "slcan:" + pair.first() + "?bitrate=" + bitrate;
                }
                SlcanAdapterSim adapter =
                        new SlcanAdapterSim(
                                adapterPort,
                                new LineSettings(115200, 8, LineSettings.Parity.NONE, 1),
                                sim,
                                bitrate,
                                notes);
                open.add(0, adapter);
                sim.attach(adapter);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("endpoint", "slcan");
                m.put("device", adapterPort.toString());
                if (gateway != null) {
                    m.put("gateway", gateway);
                }
                print(
                        out,
                        lines,
                        m,
                        "slcan adapter on "
                                + adapterPort
                                + (gateway == null ? "" : "; gateway: " + gateway));
            }
            if (socketcand != null) {
                SocketcandServerSim server =
                        new SocketcandServerSim(
                                InetAddress.getByName(socketcand.host()),
                                socketcand.port(),
                                bus,
                                sim,
                                notes);
                open.add(0, server);
                sim.attach(server);
                HostPort at = new HostPort(socketcand.host(), server.port());
                String gateway = "socketcand://" + at + "/" + bus;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("endpoint", "socketcand");
                m.put("listen", at.toString());
                m.put("bus", bus);
                m.put("gateway", gateway);
                print(
                        out,
                        lines,
                        m,
                        "socketcand on " + at + ", bus " + bus + "; gateway: " + gateway);
            }
            sim.start(waitForGateway);
            Foreground.await(duration);
            Map<String, Object> sum = new LinkedHashMap<>();
            sum.put("played", sim.played());
            sum.put("bad_lines", sim.badLines());
            sum.put("error_frames", sim.errorFrames());
            sum.put("from_gateway", sim.fromGateway());
            print(
                    out,
                    lines,
                    sum,
                    "played "
                            + sim.played()
                            + " frames ("
                            + sim.badLines()
                            + " bad lines, "
                            + sim.errorFrames()
                            + " error frames); the gateway sent "
                            + sim.fromGateway());
        } finally {
            for (AutoCloseable c : open) {
                c.close();
            }
            if (dir != null) {
                Files.deleteIfExists(dir);
            }
        }
        return 0;
    }

    private void print(PrintWriter out, JsonLines lines, Map<String, Object> fields, String text) {
        if (json) {
            lines.write(fields);
        } else {
            synchronized (out) {
                out.println(text);
                out.flush();
            }
        }
    }
}
