package io.weir.tools.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.tools.WeirCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/** A {@code weir} command running in the background, its output read line by line as it comes. */
final class LiveOutput extends Writer {
    private final StringBuilder partial = new StringBuilder();
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final StringWriter err = new StringWriter();
    CompletableFuture<Integer> exit;

    static LiveOutput run(String... args) {
        LiveOutput out = new LiveOutput();
        CommandLine cl = WeirCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out.err, true));
        out.exit = CompletableFuture.supplyAsync(() -> cl.execute(args));
        return out;
    }

    @Override
    public synchronized void write(char[] cbuf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            char c = cbuf[i];
            if (c == '\n') {
                lines.add(partial.toString().stripTrailing());
                partial.setLength(0);
            } else {
                partial.append(c);
            }
        }
    }

    String next() throws InterruptedException {
        String l = lines.poll(15, TimeUnit.SECONDS);
        assertThat(l).as("an output line within 15 s (stderr: %s)", err).isNotNull();
        return l;
    }

    JsonNode nextJson() throws Exception {
        return new ObjectMapper().readTree(next());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
