package io.weir.host.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LinkAddressTest {

    @Test
    void hostPortIsTcp() {
        LinkAddress a = LinkAddress.parse("10.0.0.5:502");
        assertThat(a).isEqualTo(new LinkAddress("tcp", "10.0.0.5", 502, "", Map.of()));
        assertThat(a.toString()).isEqualTo("tcp://10.0.0.5:502");
        assertThat(LinkAddress.parse("plc-3:502").host()).isEqualTo("plc-3");
        assertThat(LinkAddress.parse("[fe80::1]:502").host()).isEqualTo("fe80::1");
        assertThat(LinkAddress.parse("[fe80::1]:502").toString()).isEqualTo("tcp://[fe80::1]:502");
    }

    @Test
    void schemeAuthorityPathAndParameters() {
        LinkAddress t = LinkAddress.parse("TCP://ingest.plant:7443");
        assertThat(t.scheme()).isEqualTo("tcp");
        assertThat(t.hostPort()).isEqualTo("ingest.plant:7443");

        LinkAddress s = LinkAddress.parse("serial:/dev/ttyUSB0?baud=19200&parity=E");
        assertThat(s.scheme()).isEqualTo("serial");
        assertThat(s.host()).isNull();
        assertThat(s.port()).isEqualTo(-1);
        assertThat(s.path()).isEqualTo("/dev/ttyUSB0");
        assertThat(s.params())
                .containsExactly(Map.entry("baud", "19200"), Map.entry("parity", "E"));
        assertThat(s.toString()).isEqualTo("serial:/dev/ttyUSB0?baud=19200&parity=E");

        LinkAddress c = LinkAddress.parse("socketcand://10.0.0.9:29536/can0");
        assertThat(c.hostPort()).isEqualTo("10.0.0.9:29536");
        assertThat(c.path()).isEqualTo("/can0");
    }

    @Test
    void refusalsNameTheAddress() {
        assertThatThrownBy(() -> LinkAddress.parse(" ")).hasMessage("a link address is empty");
        assertThatThrownBy(() -> LinkAddress.parse("tcp://:502"))
                .hasMessage("link address \"tcp://:502\" has no host (write host:port)");
        assertThatThrownBy(() -> LinkAddress.parse("tcp://h:70000"))
                .hasMessage("link address \"tcp://h:70000\": port must be 1..65535, got 70000");
        assertThatThrownBy(() -> LinkAddress.parse("tcp://h:5x"))
                .hasMessage("link address \"tcp://h:5x\": port \"5x\" is not a number");
        assertThatThrownBy(() -> LinkAddress.parse("serial:/dev/x?baud=1&baud=2"))
                .hasMessage(
                        "link address \"serial:/dev/x?baud=1&baud=2\": parameter \"baud\" is empty or repeated");
    }
}
