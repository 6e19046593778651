package io.weir.abi;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The pairs of one config line (ABI §5) as an unmodifiable map in the order written, kept small: a
 * gateway holds the config of every device for as long as it runs, ten thousand devices of ten
 * points each are a hundred thousand lines, and most of their keys and values repeat from device to
 * device. The pairs live in one array, key then value, and every string is interned, so that a line
 * costs one object and one array beside strings shared with every other line that says the same. A
 * line has a handful of pairs: lookups scan.
 */
final class ConfigPairs extends AbstractMap<String, String> {
    private static final ConfigPairs EMPTY = new ConfigPairs(new String[0]);

    /** Key, value, key, value … */
    private final String[] kv;

    private ConfigPairs(String[] kv) {
        this.kv = kv;
    }

    /** A copy of {@code pairs} in their iteration order, keys and values interned. */
    static Map<String, String> copyOf(Map<String, String> pairs) {
        if (pairs instanceof ConfigPairs c) {
            return c;
        }
        if (pairs.isEmpty()) {
            return EMPTY;
        }
        String[] kv = new String[2 * pairs.size()];
        int i = 0;
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            kv[i++] = e.getKey().intern();
            kv[i++] = e.getValue().intern();
        }
        return new ConfigPairs(kv);
    }

    @Override
    public int size() {
        return kv.length / 2;
    }

    @Override
    public boolean containsKey(Object key) {
        return index(key) >= 0;
    }

    @Override
    public String get(Object key) {
        int i = index(key);
        return i < 0 ? null : kv[i + 1];
    }

    private int index(Object key) {
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i].equals(key)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public Set<Map.Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return kv.length / 2;
            }

            @Override
            public Iterator<Map.Entry<String, String>> iterator() {
                return new Iterator<>() {
                    private int i;

                    @Override
                    public boolean hasNext() {
                        return i < kv.length;
                    }

                    @Override
                    public Map.Entry<String, String> next() {
                        if (i >= kv.length) {
                            throw new NoSuchElementException();
                        }
                        Map.Entry<String, String> e = new SimpleImmutableEntry<>(kv[i], kv[i + 1]);
                        i += 2;
                        return e;
                    }
                };
            }
        };
    }
}
