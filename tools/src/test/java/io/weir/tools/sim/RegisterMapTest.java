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
                        name = "boiler_temp_c"
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
        assertThat(m.points())
                .extracting(SimPoint::location)
                .containsExactly("coil/5", "holding/100");
        assertThat(m.points())
                .extracting(SimPoint::pointName)
                .containsExactly("coil/5", "boiler_temp_c");
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

    @Test
    void namesAreCheckedAndNameTheirTable() {
        assertThatThrownBy(() -> RegisterMap.parse("[holding.7]\nname=\"Boiler Temp\"\n", "x.toml"))
                .hasMessageStartingWith("x.toml: [holding.7]: name \"Boiler Temp\"")
                .hasMessageContaining("a-z 0-9 _ . / -");
        assertThatThrownBy(() -> RegisterMap.parse("[coil.1]\nname=\"\"\n", "x.toml"))
                .hasMessageStartingWith("x.toml: [coil.1]: name \"\"");
        assertThatThrownBy(() -> RegisterMap.parse("[coil.1]\nname=7\n", "x.toml"))
                .hasMessageStartingWith("x.toml: [coil.1]: name 7 must be a string");
        assertThatThrownBy(
                        () ->
                                RegisterMap.parse(
                                        "[coil.1]\nname=\"" + "a".repeat(65) + "\"\n", "x.toml"))
                .hasMessageContaining("[coil.1]: name");
        assertThatThrownBy(
                        () ->
                                RegisterMap.parse(
                                        "[coil.1]\nname=\"pump\"\nvalue=1\n[coil.2]\nname=\"pump\"\nvalue=0\n",
                                        "x.toml"))
                .hasMessage(
                        "x.toml: [coil.2]: point name \"pump\" is already the point name of"
                                + " [coil.1]");
        // An unnamed value goes by its location, which a name may not take.
        assertThatThrownBy(
                        () ->
                                RegisterMap.parse(
                                        "[coil.1]\nvalue=1\n[holding.4]\nname=\"coil/1\"\nvalue=1\n",
                                        "x.toml"))
                .hasMessageContaining("point name \"coil/1\" is already the point name of");
        assertThat(
                        RegisterMap.builtIn()
                                .with(List.of("holding.30=sine:name=site-2/pump.rpm,period=5"))
                                .points())
                .extracting(SimPoint::pointName)
                .contains("site-2/pump.rpm");
    }

    @Test
    void theBuiltInMapNamesEveryValueAndCoversEveryTypeAndOrder() {
        List<SimPoint> points = RegisterMap.builtIn().points();
        assertThat(points).allSatisfy(p -> assertThat(p.name()).isNotNull());
        assertThat(points).extracting(SimPoint::pointName).doesNotHaveDuplicates();
        assertThat(points).extracting(SimPoint::kind).contains(ValueKind.values());
        assertThat(points)
                .filteredOn(p -> p.kind().registers() > 1)
                .extracting(SimPoint::order)
                .contains(WordOrder.values());
        assertThat(points).extracting(SimPoint::area).contains(Area.values());
    }
}
