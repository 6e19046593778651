package io.weir.host.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.serial.LineSettings.Parity;
import org.junit.jupiter.api.Test;

class LineSettingsTest {

    @Test
    void characterTimesCountStartDataParityAndStopBits() {
        // 8N1: 10 bits; 8E1: 11 bits; 7E2: 11 bits; 8N1.5: 10.5 bits.
        assertThat(new LineSettings(9600, 8, Parity.NONE, 1).bitsPerCharacter()).isEqualTo(10);
        assertThat(LineSettings.MODBUS_DEFAULT.bitsPerCharacter()).isEqualTo(11);
        assertThat(new LineSettings(9600, 7, Parity.EVEN, 2).bitsPerCharacter()).isEqualTo(11);
        assertThat(new LineSettings(9600, 8, Parity.NONE, 1.5).bitsPerCharacter()).isEqualTo(10.5);
        assertThat(new LineSettings(9600, 8, Parity.NONE, 1).characterNanos()).isEqualTo(1_041_667);
        assertThat(new LineSettings(115200, 8, Parity.NONE, 1).nanosFor(8)).isEqualTo(694_444);
    }

    @Test
    void frameSilenceIsThreeAndAHalfCharactersUpTo19200AndFixedAbove() {
        // Modbus over Serial Line v1.02 §2.5.1.1 and ABI v1.1 §7.10.
        assertThat(new LineSettings(9600, 8, Parity.NONE, 1).frameSilenceNanos())
                .isEqualTo(3_645_833);
        assertThat(new LineSettings(9600, 8, Parity.EVEN, 1).frameSilenceNanos())
                .isEqualTo(4_010_417);
        assertThat(LineSettings.MODBUS_DEFAULT.frameSilenceNanos()).isEqualTo(2_005_208);
        assertThat(new LineSettings(19201, 8, Parity.EVEN, 1).frameSilenceNanos())
                .isEqualTo(1_750_000);
        assertThat(new LineSettings(115200, 8, Parity.NONE, 1).frameSilenceNanos())
                .isEqualTo(1_750_000);
        assertThat(new LineSettings(1200, 8, Parity.NONE, 2).frameSilenceNanos())
                .isEqualTo(32_083_333);
    }

    @Test
    void printsAsInstallersWriteIt() {
        assertThat(LineSettings.MODBUS_DEFAULT).hasToString("19200 8E1");
        assertThat(new LineSettings(9600, 7, Parity.ODD, 1.5)).hasToString("9600 7O1.5");
    }

    @Test
    void parityByLetterOrName() {
        assertThat(Parity.of("e")).isEqualTo(Parity.EVEN);
        assertThat(Parity.of("none")).isEqualTo(Parity.NONE);
        assertThat(Parity.of("S")).isEqualTo(Parity.SPACE);
        assertThatThrownBy(() -> Parity.of("X"))
                .hasMessage("parity \"X\" is not N, E, O, M or S (none, even, odd, mark, space)");
    }

    @Test
    void refusesWhatNoUartDoes() {
        assertThatThrownBy(() -> new LineSettings(10, 8, Parity.NONE, 1))
                .hasMessage("baud must be 50..4000000, got 10");
        assertThatThrownBy(() -> new LineSettings(9600, 9, Parity.NONE, 1))
                .hasMessage("data bits must be 5..8, got 9");
        assertThatThrownBy(() -> new LineSettings(9600, 8, Parity.NONE, 3))
                .hasMessage("stop bits must be 1, 1.5 or 2, got 3.0");
        assertThatThrownBy(() -> new LineSettings(9600, 8, null, 1))
                .hasMessage("parity must be given (N for none)");
    }
}
