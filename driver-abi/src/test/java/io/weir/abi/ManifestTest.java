package io.weir.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestTest {

    @Test
    void acceptsValidManifests() {
        assertThat(new Manifest("modbus", "0.1.0", "modbus-tcp", "tcp", false, null).hasState())
                .isFalse();
        assertThat(new Manifest("j1939", "1.2.3-rc.1+b5", "j1939", "can", true, 2).hasState())
                .isTrue();
    }

    @Test
    void refusesBadFieldsNamingThem() {
        assertThatThrownBy(() -> new Manifest("Modbus", "0.1.0", "m", "tcp", false, null))
                .hasMessageContaining("manifest name \"Modbus\"");
        assertThatThrownBy(() -> new Manifest("m", "1.0", "m", "tcp", false, null))
                .hasMessageContaining("version \"1.0\"");
        assertThatThrownBy(() -> new Manifest("m", "1.0.0", " ", "tcp", false, null))
                .hasMessageContaining("needs a protocol");
        assertThatThrownBy(() -> new Manifest("m", "1.0.0", "m", "udp", false, null))
                .hasMessageContaining("transport \"udp\"");
        assertThatThrownBy(() -> new Manifest("m", "1.0.0", "m", "tcp", false, -1))
                .hasMessageContaining("state_schema");
        assertThatThrownBy(() -> new Manifest("a".repeat(33), "1.0.0", "m", "tcp", false, null))
                .hasMessageContaining("[a-z0-9-]{1,32}");
    }

    private static Manifest v11(List<String> transports, boolean unsolicited, Integer max) {
        return new Manifest("m", "1.0.0", "m", "tcp", false, null, transports, unsolicited, max);
    }

    @Test
    void v11FieldsAreValidated() {
        assertThat(v11(List.of("serial", "tcp"), true, 1).allTransports())
                .containsExactly("serial", "tcp");
        assertThat(v11(null, false, null).allTransports()).containsExactly("tcp");
        assertThatThrownBy(() -> v11(List.of("serial"), false, null))
                .hasMessageContaining("must contain its transport \"tcp\"");
        assertThatThrownBy(() -> v11(List.of("tcp", "tcp"), false, null))
                .hasMessageContaining("lists \"tcp\" twice");
        assertThatThrownBy(() -> v11(List.of("tcp", "udp"), false, null))
                .hasMessageContaining("lists \"udp\"");
        assertThatThrownBy(() -> v11(null, false, 0)).hasMessageContaining("max_devices");
    }

    @Test
    void passiveImpliesUnsolicitedAndAgreed10DropsV11Fields() {
        Manifest passive = new Manifest("j", "1.0.0", "j1939", "can", true, null);
        assertThat(passive.receivesUnsolicited()).isTrue();
        Manifest listening = v11(List.of("tcp", "serial"), true, 4);
        assertThat(listening.receivesUnsolicited()).isTrue();
        Manifest asV10 = listening.asAgreed(Abi.MINOR_1_0);
        assertThat(asV10.receivesUnsolicited()).isFalse();
        assertThat(asV10.allTransports()).containsExactly("tcp");
        assertThat(asV10.maxDevices()).isNull();
    }
}
