package io.weir.tools.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RegisterMapTest {
    @Test
    void parsesTheRegisterFileFormat() throws Exception {
        RegisterMap m =
                RegisterMap.parse(
                        """
                        [holding.100]
                        type = "f32"
                        order = "CDAB"
                        gen = "sine"
                        period = 10
                        amplitude = 50

                        [coil.5]
                        gen = "toggle"
                        period = 2
                        """,
                        "test.toml");
        assertThat(m.points()).extracting(SimPoint::name).containsExactly("coil/5", "holding/100");
        SimPoint h = m.points().get(1);
        assertThat(h.kind()).isEqualTo(ValueKind.F32);
        assertThat(h.order()).isEqualTo(WordOrder.CDAB);
        assertThat(h.generator()).isEqualTo(new Generator.Sine(10, 50, 0));
    }

    @Test
    void wordOrdersSplitValuesAsNamed() {
        long bits = 0x11223344L;
        assertThat(WordOrder.ABCD.toRegisters(bits, 2)).containsExactly(0x1122, 0x3344);
        assertThat(WordOrder.CDAB.toRegisters(bits, 2)).containsExactly(0x3344, 0x1122);
        assertThat(WordOrder.BADC.toRegisters(bits, 2)).containsExactly(0x2211, 0x4433);
        assertThat(WordOrder.DCBA.toRegisters(bits, 2)).containsExactly(0x4433, 0x2211);
        assertThat(WordOrder.CDAB.toRegisters(0x1122334455667788L, 4))
                .containsExactly(0x7788, 0x5566, 0x3344, 0x1122);
    }

    @Test
    void integerValuesClampInsteadOfWrapping() {
        SimPoint i16 =
                new SimPoint(
                        Area.HOLDING,
                        0,
                        ValueKind.I16,
                        WordOrder.ABCD,
                        new Generator.Constant(-40000));
        assertThat(i16.words(0)).containsExactly(0x8000);
        SimPoint u16 =
                new SimPoint(
                        Area.HOLDING,
                        0,
                        ValueKind.U16,
                        WordOrder.ABCD,
                        new Generator.Constant(70000));
        assertThat(u16.words(0)).containsExactly(0xFFFF);
    }

    @Test
    void badInputIsNamed() {
        assertThatThrownBy(
                        () ->
                                RegisterMap.parse(
                                        "[holding.1]\ntype=\"f33\"\ngen=\"sine\"\n", "x.toml"))
                .hasMessageContaining("x.toml: [holding.1]")
                .hasMessageContaining("unknown type \"f33\"");
        assertThatThrownBy(() -> RegisterMap.parse("[coil.1]\ntype=\"u16\"\nvalue=1\n", "x.toml"))
                .hasMessageContaining("does not fit a bit area");
        assertThatThrownBy(
                        () -> RegisterMap.parse("[holding.1]\ngen=\"sine\"\nspeed=3\n", "x.toml"))
                .hasMessageContaining("setting \"speed\" does not apply");
        assertThatThrownBy(() -> RegisterMap.builtIn().with(List.of("holding.3=constant:value=1")))
                .hasMessageContaining("overlaps");
        assertThatThrownBy(() -> RegisterMap.builtIn().with(List.of("holding=sine")))
                .hasMessageContaining("expected AREA.ADDRESS=GEN");
    }
}
