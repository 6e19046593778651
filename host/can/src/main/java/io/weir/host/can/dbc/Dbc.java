package io.weir.host.can.dbc;

import java.util.List;
import java.util.Map;

/**
 * What Weir takes from a DBC file (Vector's CAN database format): messages with their signals,
 * value tables, IEEE float signals and the attributes that make a message J1939 or CAN FD.
 *
 * @param messages in file order
 * @param protocolJ1939 the database's {@code ProtocolType} attribute is {@code J1939}
 */
public record Dbc(List<Message> messages, boolean protocolJ1939) {
    public Dbc {
        messages = List.copyOf(messages);
    }

    /**
     * {@code BO_ id name: size transmitter}.
     *
     * @param rawId the id as the DBC writes it: bit 31 set for a 29-bit identifier
     * @param frameFormat the {@code VFrameFormat} attribute's name ({@code StandardCAN}, {@code
     *     J1939PG}, {@code ExtendedCAN_FD} …), or empty
     * @param line where the message is defined
     */
    public record Message(
            long rawId, String name, int size, List<Signal> signals, String frameFormat, int line) {
        public Message {
            signals = List.copyOf(signals);
        }

        public boolean extended() {
            return (rawId & 0x8000_0000L) != 0;
        }

        /** The CAN identifier, 11 or 29 bits. */
        public int canId() {
            return (int) (rawId & 0x1FFF_FFFFL);
        }
    }

    /**
     * {@code SG_ name [M|mN] : start|length@order sign (factor,offset) [min|max] "unit" receivers}.
     * Numbers are kept as the DBC writes them, so point lines carry them unchanged.
     *
     * @param multiplexer {@code M} for the switch, {@code mN} for a signal shown when the switch is
     *     N, or empty
     * @param floatBits 32 or 64 for a {@code SIG_VALTYPE_} 1 or 2 signal, else 0
     * @param choices the {@code VAL_} table, raw value → label, in file order
     */
    public record Signal(
            String name,
            String multiplexer,
            int start,
            int length,
            boolean motorola,
            boolean signed,
            String factor,
            String offset,
            String min,
            String max,
            String unit,
            int floatBits,
            Map<Long, String> choices,
            int line) {}
}
