package io.weir.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A config line's pairs: the order written, unmodifiable, equal to any map of the same pairs. */
class ConfigPairsTest {

    private static Map<String, String> line(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void keepsTheOrderWrittenAndAnswersLookups() {
        Map<String, String> written = line("type", "u16", "area", "holding", "address", "7");
        Map<String, String> p = ConfigPairs.copyOf(written);
        assertThat(p.keySet()).containsExactly("type", "area", "address");
        assertThat(p.values()).containsExactly("u16", "holding", "7");
        assertThat(p).hasSize(3).isEqualTo(written).hasSameHashCodeAs(written);
        assertThat(p.get("area")).isEqualTo("holding");
        assertThat(p.get("address")).isEqualTo("7");
        assertThat(p.get("unit")).isNull();
        assertThat(p.containsKey("type")).isTrue();
        assertThat(p.containsKey("u16")).as("a value is no key").isFalse();
        assertThat(p.toString()).isEqualTo("{type=u16, area=holding, address=7}");
    }

    @Test
    void cannotBeChanged() {
        Map<String, String> p = ConfigPairs.copyOf(line("unit", "1"));
        assertThatThrownBy(() -> p.put("unit", "2"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> p.remove("unit"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> p.entrySet().iterator().next().setValue("2"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> p.entrySet().iterator().remove())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(p).containsEntry("unit", "1");
    }

    @Test
    void equalTextOnDifferentLinesIsOneStringAndACopyOfACopyIsItself() {
        Map<String, String> a = ConfigPairs.copyOf(line(new String("area"), new String("coil")));
        Map<String, String> b = ConfigPairs.copyOf(line(new String("area"), new String("coil")));
        assertThat(a.keySet().iterator().next()).isSameAs(b.keySet().iterator().next());
        assertThat(a.get("area")).isSameAs(b.get("area"));
        assertThat(ConfigPairs.copyOf(a)).isSameAs(a);
        assertThat(ConfigPairs.copyOf(Map.of())).isEmpty();
        var it = ConfigPairs.copyOf(Map.of()).entrySet().iterator();
        assertThat(it.hasNext()).isFalse();
        assertThatThrownBy(it::next).isInstanceOf(java.util.NoSuchElementException.class);
    }

    @Test
    void aParsedConfigKeepsEveryLineInOrderAndGivesTheSameText() {
        String text = "device unit=1 max_registers=10\npoint 0 area=holding address=0 type=u16\n";
        DeviceConfig c = DeviceConfig.parse(text);
        assertThat(c.device().keySet()).containsExactly("unit", "max_registers");
        assertThat(c.points())
                .isEqualTo(List.of(line("area", "holding", "address", "0", "type", "u16")));
        assertThat(c.text()).isEqualTo(text);
    }
}
