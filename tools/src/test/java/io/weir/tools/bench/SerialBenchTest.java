package io.weir.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.serial.LineSettings;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gateway side's sink: what counts as a right answer, a bad one and a wrong value. */
class SerialBenchTest {

    private static List<Point> answer(int unit, int registers) {
        List<Point> batch = new ArrayList<>();
        for (int i = 0; i < registers; i++) {
            batch.add(
                    new Point(
                            SerialBench.deviceName(unit),
                            SerialBench.pointName(i),
                            Value.u64(SerialBench.register(unit, i)),
                            0,
                            0,
                            null));
        }
        return batch;
    }

    @Test
    void aBatchOfRightValuesIsOneTransactionOfItsDevice() {
        SerialBench.Tally t = new SerialBench.Tally(2, 3);
        t.accept(answer(2, 3));
        t.accept(answer(2, 3));
        t.accept(answer(1, 3));
        assertThat(t.transactions.get()).isEqualTo(3);
        assertThat(t.perDevice()).containsExactly(1L, 2L);
        assertThat(t.bad.get()).isZero();
        assertThat(t.wrongValues.get()).isZero();
    }

    @Test
    void aValueOtherThanTheSlavesIsWrongAndNoTransaction() {
        SerialBench.Tally t = new SerialBench.Tally(2, 3);
        List<Point> b = answer(1, 3);
        // Slave 2's register 1 delivered as slave 1's.
        b.set(1, new Point("slave1", "hr1", Value.u64(SerialBench.register(2, 1)), 0, 0, null));
        t.accept(b);
        // The u16 read as i16: negative.
        List<Point> signed = answer(2, 3);
        signed.set(
                0,
                new Point(
                        "slave2",
                        "hr0",
                        Value.i64((short) SerialBench.register(2, 0)),
                        0,
                        0,
                        null));
        t.accept(signed);
        // A register missing from the batch.
        t.accept(answer(1, 2));
        assertThat(t.wrongValues.get()).isEqualTo(3);
        assertThat(t.transactions.get()).isZero();
        assertThat(t.perDevice()).containsExactly(0L, 0L);
    }

    @Test
    void aBatchWithABadQualityIsOneBadPoll() {
        SerialBench.Tally t = new SerialBench.Tally(1, 2);
        List<Point> b = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            b.add(new Point("slave1", "hr" + i, Value.NULL, 0x8008, 0, "no response"));
        }
        t.accept(b);
        t.accept(List.of());
        assertThat(t.bad.get()).isEqualTo(1);
        assertThat(t.transactions.get()).isZero();
        assertThat(t.wrongValues.get()).isZero();
    }

    @Test
    void registersAreAboveTheSignedRangeAndDistinctPerSlave() {
        assertThat(SerialBench.register(1, 0)).isEqualTo(0x8000 + 1000);
        assertThat(SerialBench.register(32, 124)).isLessThanOrEqualTo(0xFFFF);
        assertThat(SerialBench.register(2, 0)).isNotEqualTo(SerialBench.register(1, 0));
    }

    @Test
    void theLinesMaximumFollowsTheModbusTiming() {
        // 9600 8N1: 10 bits a character, 3.5 characters of silence = 3.646 ms.
        double max =
                SerialBench.lineMaxFramesPerSecond(
                        new LineSettings(9600, 8, LineSettings.Parity.NONE, 1), 8, 25);
        assertThat(max).isCloseTo(2 / (33 * 10 / 9600.0 + 2 * 0.0036458333), offset(0.01));
        // 115200 8E1: 11 bits a character, 1750 µs of silence above 19200 baud.
        assertThat(
                        SerialBench.lineMaxFramesPerSecond(
                                new LineSettings(115200, 8, LineSettings.Parity.EVEN, 1),
                                8,
                                SerialBench.responseBytes(10)))
                .isCloseTo(2 / (33 * 11 / 115200.0 + 2 * 0.00175), offset(0.01));
    }
}
