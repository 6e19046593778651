package io.weir.tools;

import io.weir.tools.admin.PointsCommand;
import io.weir.tools.admin.StatusCommand;
import io.weir.tools.admin.WriteCommand;
import io.weir.tools.config.ConfigCommand;
import io.weir.tools.demo.DemoCommand;
import io.weir.tools.driver.cli.DriverCommand;
import io.weir.tools.driver.cli.KeysCommand;
import io.weir.tools.replay.ReplayCommand;
import io.weir.tools.run.RunCommand;
import io.weir.tools.sim.SimCommand;
import io.weir.tools.uplink.BenchCommand;
import io.weir.tools.uplink.PkiCommand;
import io.weir.tools.uplink.ReceiverCommand;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code weir}: the one executable. Every subcommand is registered in the list below. */
@Command(
        name = "weir",
        mixinStandardHelpOptions = true,
        versionProvider = WeirCommand.Version.class,
        description =
                "Weir: an edge data-collection host that runs protocol drivers as "
                        + "WebAssembly modules.%nHuman-readable output by default; --json prints "
                        + "one JSON object per line.",
        // Subcommands: one line each, in the order `weir --help` lists them. Add new commands here.
        subcommands = {
            RunCommand.class,
            StatusCommand.class,
            PointsCommand.class,
            WriteCommand.class,
            ConfigCommand.class,
            DriverCommand.class,
            DemoCommand.class,
            ReplayCommand.class,
            SimCommand.class,
            ReceiverCommand.class,
            KeysCommand.class,
            PkiCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class WeirCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        // `weir` alone: show what there is to do.
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line with Weir's error handling; tests call {@code execute} on it. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new WeirCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(
                (ex, args) -> {
                    // A mistyped command line is one line naming the command, not the whole usage.
                    CommandLine cmd = ex.getCommandLine();
                    String name = cmd.getCommandSpec().qualifiedName();
                    String hint =
                            ex instanceof CommandLine.UnmatchedArgumentException u
                                            && !u.getSuggestions().isEmpty()
                                    ? "; did you mean "
                                            + String.join(" or ", u.getSuggestions())
                                            + "?"
                                    : "";
                    cmd.getErr()
                            .println(
                                    name
                                            + ": "
                                            + ex.getMessage()
                                            + hint
                                            + " (see '"
                                            + name
                                            + " --help')");
                    return cmd.getCommandSpec().exitCodeOnInvalidInput();
                });
        cl.setExecutionExceptionHandler(
                (ex, cmd, parseResult) -> {
                    // A user error (bad file, bad flag value) is one clear line, not a stack trace.
                    cmd.getErr()
                            .println(cmd.getCommandSpec().qualifiedName() + ": " + describe(ex));
                    if (System.getenv("WEIR_DEBUG") != null) {
                        ex.printStackTrace(cmd.getErr());
                    }
                    return 1;
                });
        return cl;
    }

    /**
     * One line for a user: java.nio's file exceptions carry only the path as their message, which
     * alone does not say what went wrong.
     */
    static String describe(Exception ex) {
        if (ex instanceof NoSuchFileException e) {
            return e.getFile() + ": no such file or directory";
        }
        if (ex instanceof AccessDeniedException e) {
            return e.getFile() + ": permission denied";
        }
        if (ex instanceof FileSystemException e && e.getReason() == null) {
            return e.getFile() + ": " + e.getClass().getSimpleName();
        }
        return ex.getMessage() == null ? ex.toString() : ex.getMessage();
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.exit(code);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = WeirCommand.class.getPackage().getImplementationVersion();
            return new String[] {"weir " + (v == null ? "(development build)" : v)};
        }
    }
}
