package io.weir.tools.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationTextTest {
    @Test
    void theFourUnits() {
        assertThat(DurationText.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationText.parse("1s")).isEqualTo(Duration.ofSeconds(1));
        assertThat(DurationText.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationText.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(DurationText.parse("999999999ms")).isEqualTo(Duration.ofMillis(999_999_999));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "1",
                "s",
                "1 s",
                " 1s",
                "1.5s",
                "-1s",
                "+1s",
                "1S",
                "1d",
                "1sec",
                "1e3ms",
                "1234567890s"
            })
    void anythingElseSaysWhichFormsAreAccepted(String text) {
        assertThatThrownBy(() -> DurationText.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "\""
                                + text
                                + "\" is not a duration; write a whole number and a unit:"
                                + " \"500ms\", \"1s\", \"2m\" or \"1h\"");
    }

    @Test
    void zeroIsNotPositive() {
        assertThatThrownBy(() -> DurationText.parse("0ms"))
                .hasMessage(
                        "\"0ms\" is not positive; write a whole number and a unit: \"500ms\","
                                + " \"1s\", \"2m\" or \"1h\"");
    }

    @Test
    void formatIsTheShortestTextThatReadsBack() {
        for (String s : new String[] {"250ms", "1500ms", "1s", "90s", "2m", "61m", "1h", "25h"}) {
            assertThat(DurationText.format(DurationText.parse(s))).isEqualTo(s);
        }
        assertThat(DurationText.format(Duration.ofMillis(60_000))).isEqualTo("1m");
    }
}
