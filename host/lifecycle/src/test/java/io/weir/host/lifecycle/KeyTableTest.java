package io.weir.host.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeyTableTest {
    private static final KeySpec UNIT =
            new KeySpec(
                    "unit",
                    KeySpec.Type.INT,
                    BigDecimal.ZERO,
                    BigDecimal.valueOf(255),
                    null,
                    false,
                    "1",
                    "");
    private static final KeySpec AREA =
            new KeySpec(
                    "area",
                    KeySpec.Type.ENUM,
                    null,
                    null,
                    List.of("coil", "holding"),
                    true,
                    null,
                    "");
    private static final KeySpec SCALE =
            new KeySpec("scale", KeySpec.Type.NUMBER, null, null, null, false, null, "");

    private static final KeyTable TABLE =
            new KeyTable(Optional.of(List.of(UNIT)), Optional.of(List.of(AREA, SCALE)));

    @Test
    void valuesAreCheckedInTheDriversWords() {
        assertThat(UNIT.problem("256")).isEqualTo("unit=256 is out of range 0..255");
        assertThat(UNIT.problem("-1")).isEqualTo("unit=-1 is out of range 0..255");
        assertThat(UNIT.problem("1.5")).isEqualTo("unit=1.5 is not an integer");
        assertThat(UNIT.problem("255")).isNull();
        assertThat(UNIT.problem("0")).isNull();
        assertThat(AREA.problem("input")).isEqualTo("area=input is not one of coil, holding");
        assertThat(SCALE.problem("0.1")).isNull();
        assertThat(SCALE.problem("1e-3")).isNull();
        assertThat(SCALE.problem("ten")).isEqualTo("scale=ten is not a number");
    }

    @Test
    void unknownMissingAndWrongKeysAreEachReported() {
        List<KeyTable.Problem> p =
                TABLE.problems(
                        Map.of("unit", "300", "weir.transport", "tcp"),
                        List.of(
                                Map.of("area", "coil"),
                                Map.of("adress", "1"),
                                Map.of("area", "x")));
        assertThat(p)
                .extracting(KeyTable.Problem::message)
                .containsExactly(
                        "device: unit=300 is out of range 0..255",
                        "point 1: unknown key \"adress\" (known keys: area, scale)",
                        "point 1: missing required key \"area\"",
                        "point 2: area=x is not one of coil, holding");
        assertThat(p.get(1).point()).isEqualTo(1);
        assertThat(p.get(1).key()).isEqualTo("adress");
    }

    @Test
    void anUndeclaredSectionIsNotChecked() {
        assertThat(KeyTable.NONE.problems(Map.of("anything", "1"), List.of(Map.of("x", "y"))))
                .isEmpty();
    }
}
