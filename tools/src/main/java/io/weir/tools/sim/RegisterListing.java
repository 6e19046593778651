package io.weir.tools.sim;

import io.weir.tools.cli.JsonLines;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a Modbus simulator serves, listed at its start: a table, or one JSON line per value. */
final class RegisterListing {
    private RegisterListing() {}

    /**
     * @param where the fields that say where the slave is ({@code listen}, {@code device}, {@code
     *     unit}), first in every JSON line
     * @param title the table's first line
     */
    static void print(
            PrintWriter out,
            RegisterMap map,
            boolean json,
            Map<String, Object> where,
            String title) {
        print(out, map, json, List.of(where), title);
    }

    /** One listing per slave (several units on one serial line). */
    static void print(
            PrintWriter out,
            RegisterMap map,
            boolean json,
            List<Map<String, Object>> slaves,
            String title) {
        if (json) {
            JsonLines lines = new JsonLines(out);
            for (Map<String, Object> where : slaves) {
                for (SimPoint p : map.points()) {
                    Map<String, Object> m = new LinkedHashMap<>(where);
                    m.put("point", p.location());
                    if (p.name() != null) {
                        m.put("name", p.name());
                    }
                    m.put("type", p.kind().key());
                    if (p.kind().registers() > 1) {
                        m.put("order", p.order().name());
                    }
                    m.put("registers", p.width());
                    m.put("generator", p.generator().describe());
                    lines.write(m);
                }
            }
            return;
        }
        out.println(title);
        // The NAME column only when the map names its values (a register file may not).
        int nameWidth =
                map.points().stream()
                        .filter(p -> p.name() != null)
                        .mapToInt(p -> p.name().length() + 1)
                        .max()
                        .orElse(0);
        String row = "%-14s " + (nameWidth == 0 ? "%s" : "%-" + nameWidth + "s") + "%-5s %-5s %s%n";
        out.printf(row, "POINT", nameWidth == 0 ? "" : "NAME", "TYPE", "ORDER", "GENERATOR");
        for (SimPoint p : map.points()) {
            String span =
                    p.width() > 1
                            ? p.location() + ".." + (p.address() + p.width() - 1)
                            : p.location();
            out.printf(
                    row,
                    span,
                    p.name() == null ? "" : p.name(),
                    p.kind().key(),
                    p.kind().registers() > 1 ? p.order().name() : "",
                    p.generator().describe());
        }
        out.flush();
    }
}
