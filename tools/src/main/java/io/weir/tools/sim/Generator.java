package io.weir.tools.sim;

import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * How a simulated value moves over time. {@code t} is seconds since the simulator started. Random
 * walks keep state, so a generator instance belongs to one value.
 */
public sealed interface Generator
        permits Generator.Constant,
                Generator.Sine,
                Generator.Ramp,
                Generator.Counter,
                Generator.Toggle,
                Generator.RandomWalk {

    double valueAt(double t);

    /** Words for the startup listing, e.g. {@code sine(period=10s, amplitude=50, offset=20)}. */
    String describe();

    record Constant(double value) implements Generator {
        @Override
        public double valueAt(double t) {
            return value;
        }

        @Override
        public String describe() {
            return "constant(" + fmt(value) + ")";
        }
    }

    record Sine(double period, double amplitude, double offset) implements Generator {
        @Override
        public double valueAt(double t) {
            return offset + amplitude * Math.sin(2 * Math.PI * t / period);
        }

        @Override
        public String describe() {
            return "sine(period="
                    + fmt(period)
                    + "s, amplitude="
                    + fmt(amplitude)
                    + ", offset="
                    + fmt(offset)
                    + ")";
        }
    }

    /** A sawtooth from min to max over one period. */
    record Ramp(double period, double min, double max) implements Generator {
        @Override
        public double valueAt(double t) {
            double phase = (t % period) / period;
            return min + (max - min) * phase;
        }

        @Override
        public String describe() {
            return "ramp(period=" + fmt(period) + "s, " + fmt(min) + ".." + fmt(max) + ")";
        }
    }

    /** Adds {@code step} every {@code period} seconds, from {@code start}. */
    record Counter(double period, double step, double start) implements Generator {
        @Override
        public double valueAt(double t) {
            return start + step * Math.floor(t / period);
        }

        @Override
        public String describe() {
            return "counter(+"
                    + fmt(step)
                    + " every "
                    + fmt(period)
                    + "s, from "
                    + fmt(start)
                    + ")";
        }
    }

    /** Alternates between min and max every half period: a square wave, or a toggling bit. */
    record Toggle(double period, double min, double max) implements Generator {
        @Override
        public double valueAt(double t) {
            return ((long) Math.floor(2 * t / period)) % 2 == 0 ? min : max;
        }

        @Override
        public String describe() {
            return "toggle(period=" + fmt(period) + "s, " + fmt(min) + "/" + fmt(max) + ")";
        }
    }

    /** Moves by a uniform step in [-step, step] per evaluation, kept within [min, max]. */
    final class RandomWalk implements Generator {
        private final double step;
        private final double min;
        private final double max;
        private final Random random;
        private double value;

        public RandomWalk(double step, double min, double max, long seed) {
            if (!(min <= max)) {
                throw new IllegalArgumentException(
                        "random walk needs min <= max, got " + min + ".." + max);
            }
            this.step = step;
            this.min = min;
            this.max = max;
            this.random = new Random(seed);
            this.value = (min + max) / 2;
        }

        @Override
        public synchronized double valueAt(double t) {
            value = Math.max(min, Math.min(max, value + (random.nextDouble() * 2 - 1) * step));
            return value;
        }

        @Override
        public String describe() {
            return "random(step=" + fmt(step) + ", " + fmt(min) + ".." + fmt(max) + ")";
        }
    }

    /**
     * Builds a generator from its settings: {@code gen} (constant, sine, ramp, counter, toggle,
     * random) and that generator's numbers. Unknown settings are refused, naming them.
     */
    static Generator of(Map<String, Object> settings, String where, long seed) {
        Object kind =
                settings.getOrDefault("gen", settings.containsKey("value") ? "constant" : null);
        if (kind == null) {
            throw new IllegalArgumentException(
                    where
                            + ": no gen (constant, sine, ramp, counter, toggle or random) and no value");
        }
        Settings s = new Settings(settings, where);
        Generator g =
                switch (kind.toString().toLowerCase(Locale.ROOT)) {
                    case "constant" -> new Constant(s.number("value", 0));
                    case "sine" ->
                            new Sine(
                                    s.positive("period", 10),
                                    s.number("amplitude", 100),
                                    s.number("offset", 0));
                    case "ramp" ->
                            new Ramp(
                                    s.positive("period", 10),
                                    s.number("min", 0),
                                    s.number("max", 100));
                    case "counter" ->
                            new Counter(
                                    s.positive("period", 1),
                                    s.number("step", 1),
                                    s.number("start", 0));
                    case "toggle" ->
                            new Toggle(
                                    s.positive("period", 2),
                                    s.number("min", 0),
                                    s.number("max", 1));
                    case "random" ->
                            new RandomWalk(
                                    s.number("step", 1),
                                    s.number("min", 0),
                                    s.number("max", 100),
                                    seed);
                    default ->
                            throw new IllegalArgumentException(
                                    where
                                            + ": unknown gen \""
                                            + kind
                                            + "\": expected constant, sine, ramp, counter, toggle or random");
                };
        s.refuseUnused();
        return g;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15
                ? Long.toString((long) d)
                : Double.toString(d);
    }

    /** Reads numbers from a settings table and remembers which keys were used. */
    final class Settings {
        private static final java.util.Set<String> POINT_KEYS =
                java.util.Set.of("gen", "type", "order", "name");
        private final Map<String, Object> map;
        private final String where;
        private final java.util.Set<String> used = new java.util.HashSet<>(POINT_KEYS);

        Settings(Map<String, Object> map, String where) {
            this.map = map;
            this.where = where;
        }

        double number(String key, double dflt) {
            used.add(key);
            Object v = map.get(key);
            if (v == null) {
                return dflt;
            }
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            try {
                return Double.parseDouble(v.toString());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        where + ": " + key + " = \"" + v + "\" is not a number");
            }
        }

        double positive(String key, double dflt) {
            double d = number(key, dflt);
            if (!(d > 0)) {
                throw new IllegalArgumentException(where + ": " + key + " must be > 0, got " + d);
            }
            return d;
        }

        void refuseUnused() {
            for (String k : map.keySet()) {
                if (!used.contains(k)) {
                    throw new IllegalArgumentException(
                            where
                                    + ": setting \""
                                    + k
                                    + "\" does not apply to gen="
                                    + map.get("gen"));
                }
            }
        }
    }
}
