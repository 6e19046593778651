package io.weir.tools.bench;

import java.util.List;
import java.util.Locale;

/**
 * The plot of {@code weir bench scale}: poll latency (p50 and p99, ms) against the number of
 * devices, both axes logarithmic, one line per side and percentile, as a self-contained SVG that a
 * Markdown viewer shows inline.
 */
final class ScalePlot {

    /** One line of the plot: its label, colour, dash pattern (or null) and one y per x. */
    record Series(String label, String colour, String dash, List<Double> ys) {
        Series {
            ys = List.copyOf(ys);
        }
    }

    private static final int WIDTH = 640;
    private static final int HEIGHT = 400;
    private static final int LEFT = 70;
    private static final int RIGHT = 170;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    private ScalePlot() {}

    /**
     * The SVG text. {@code xs} are device counts (> 0); a series' y that is not positive (a side
     * that did not run at that count) leaves a gap in its line.
     */
    static String svg(String title, List<Integer> xs, List<Series> series) {
        if (xs.isEmpty()) {
            throw new IllegalArgumentException("a plot needs at least one device count");
        }
        double xMin = Math.log10(xs.stream().mapToInt(Integer::intValue).min().getAsInt());
        double xMax = Math.log10(xs.stream().mapToInt(Integer::intValue).max().getAsInt());
        if (xMax - xMin < 1e-9) {
            xMin -= 0.5;
            xMax += 0.5;
        }
        double yLo = Double.MAX_VALUE;
        double yHi = -Double.MAX_VALUE;
        for (Series s : series) {
            if (s.ys().size() != xs.size()) {
                throw new IllegalArgumentException(
                        "series "
                                + s.label()
                                + " has "
                                + s.ys().size()
                                + " values for "
                                + xs.size()
                                + " device counts");
            }
            for (double y : s.ys()) {
                if (y > 0) {
                    yLo = Math.min(yLo, Math.log10(y));
                    yHi = Math.max(yHi, Math.log10(y));
                }
            }
        }
        if (yLo > yHi) {
            yLo = -1;
            yHi = 1;
        }
        int decadeLo = (int) Math.floor(yLo);
        int decadeHi = Math.max(decadeLo + 1, (int) Math.ceil(yHi));
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        final double x0 = xMin;
        final double xSpan = xMax - xMin;
        java.util.function.DoubleUnaryOperator px =
                v -> LEFT + (Math.log10(v) - x0) / xSpan * plotW;
        java.util.function.DoubleUnaryOperator py =
                v -> TOP + plotH - (Math.log10(v) - decadeLo) / (decadeHi - decadeLo) * plotH;

        StringBuilder b = new StringBuilder();
        b.append(
                        String.format(
                                Locale.ROOT,
                                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\""
                                        + " height=\"%d\" viewBox=\"0 0 %d %d\""
                                        + " font-family=\"sans-serif\" font-size=\"12\">%n",
                                WIDTH,
                                HEIGHT,
                                WIDTH,
                                HEIGHT))
                .append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        text(b, WIDTH / 2.0, 22, "middle", 14, title);
        // Grid and labels: a line per decade of latency, a tick per device count.
        for (int d = decadeLo; d <= decadeHi; d++) {
            double y = py.applyAsDouble(Math.pow(10, d));
            line(b, LEFT, y, LEFT + plotW, y, "#ddd", null);
            text(b, LEFT - 8, y + 4, "end", 12, number(Math.pow(10, d)));
        }
        for (int x : xs) {
            double gx = px.applyAsDouble(x);
            line(b, gx, TOP, gx, TOP + plotH, "#eee", null);
            text(b, gx, TOP + plotH + 18, "middle", 12, String.format(Locale.ROOT, "%,d", x));
        }
        line(b, LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "black", null);
        line(b, LEFT, TOP, LEFT, TOP + plotH, "black", null);
        text(b, LEFT + plotW / 2, HEIGHT - 18, "middle", 12, "devices (1 Hz, 10 points each)");
        b.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\""
                                + " transform=\"rotate(-90 18 %.1f)\">poll latency, ms</text>%n",
                        TOP + plotH / 2,
                        TOP + plotH / 2));
        int row = 0;
        for (Series s : series) {
            StringBuilder path = new StringBuilder();
            boolean pen = false;
            for (int i = 0; i < xs.size(); i++) {
                double y = s.ys().get(i);
                if (y <= 0) {
                    pen = false;
                    continue;
                }
                double gx = px.applyAsDouble(xs.get(i));
                double gy = py.applyAsDouble(y);
                path.append(pen ? " L" : (path.length() == 0 ? "M" : " M"))
                        .append(String.format(Locale.ROOT, "%.1f %.1f", gx, gy));
                pen = true;
                b.append(
                        String.format(
                                Locale.ROOT,
                                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s at"
                                        + " %,d devices: %s ms</title></circle>%n",
                                gx,
                                gy,
                                s.colour(),
                                escape(s.label()),
                                xs.get(i),
                                number(y)));
            }
            if (path.length() > 0) {
                b.append("<path d=\"")
                        .append(path)
                        .append("\" fill=\"none\" stroke=\"")
                        .append(s.colour())
                        .append("\" stroke-width=\"2\"")
                        .append(s.dash() == null ? "" : " stroke-dasharray=\"" + s.dash() + "\"")
                        .append("/>\n");
            }
            double ly = TOP + 10 + row++ * 20;
            line(b, LEFT + plotW + 14, ly, LEFT + plotW + 40, ly, s.colour(), s.dash());
            text(b, LEFT + plotW + 46, ly + 4, "start", 12, s.label());
        }
        return b.append("</svg>\n").toString();
    }

    private static void line(
            StringBuilder b,
            double x1,
            double y1,
            double x2,
            double y2,
            String colour,
            String dash) {
        b.append(
                String.format(
                        Locale.ROOT,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
                                + " stroke-width=\"%s\"%s/>%n",
                        x1,
                        y1,
                        x2,
                        y2,
                        colour,
                        dash == null && colour.startsWith("#") ? "1" : "2",
                        dash == null ? "" : " stroke-dasharray=\"" + dash + "\""));
    }

    private static void text(
            StringBuilder b, double x, double y, String anchor, int size, String text) {
        b.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">%s</text>%n",
                        x,
                        y,
                        anchor,
                        size,
                        escape(text)));
    }

    /** A latency as people write it: 0.01, 0.5, 12, 250. */
    static String number(double v) {
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        String s = String.format(Locale.ROOT, "%.3f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    static String escape(String s) {
        return s.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
