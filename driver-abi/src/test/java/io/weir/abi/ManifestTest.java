package io.weir.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
