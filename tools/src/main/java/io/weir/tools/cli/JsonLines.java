package io.weir.tools.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.Map;

/** Writes one JSON object per line, flushed at once so that pipes see each line as it happens. */
public final class JsonLines {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final PrintWriter out;

    public JsonLines(PrintWriter out) {
        this.out = out;
    }

    public void write(Map<String, ?> object) {
        try {
            String line = MAPPER.writeValueAsString(object);
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + object + " as JSON", e);
        }
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
