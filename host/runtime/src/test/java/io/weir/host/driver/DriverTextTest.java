package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The characters a driver's text may not bring to a terminal, at the edges of each range: the
 * character just inside is escaped, the one just outside is passed on as written.
 */
class DriverTextTest {

    @Test
    void c0ControlsAreEscapedAndSpaceIsNot() {
        assertThat(DriverText.escape("a\u0000b\u001fc d")).isEqualTo("a\\u0000b\\u001fc d");
    }

    @Test
    void delAndC1ControlsAreEscapedAndTheirNeighboursAreNot() {
        assertThat(DriverText.escape("~\u007f\u0080\u009e\u009f\u00a0"))
                .isEqualTo("~\\u007f\\u0080\\u009e\\u009f\u00a0");
    }

    @Test
    void lineSeparatorsAndBidiMarksAreEscapedWithAllFourHexDigits() {
        assertThat(DriverText.escape("\u2027\u2028\u2029\u202a"))
                .isEqualTo("\u2027\\u2028\\u2029\\u202a");
        assertThat(DriverText.escape("\u200d\u200e\u200f\u2010"))
                .isEqualTo("\u200d\\u200e\\u200f\u2010");
    }

    @Test
    void bidiEmbeddingsOverridesAndIsolatesAreEscapedToTheEdgeOfTheirRange() {
        assertThat(DriverText.escape("\u2029\u202a\u202e\u202f"))
                .isEqualTo("\\u2029\\u202a\\u202e\u202f");
        assertThat(DriverText.escape("\u2065\u2066\u2069\u206a"))
                .isEqualTo("\u2065\\u2066\\u2069\u206a");
    }

    @Test
    void textWithoutControlsIsTheSameStringAndNullStaysNull() {
        String plain = "温度 ok ~ é";
        assertThat(DriverText.escape(plain)).isSameAs(plain);
        assertThat(DriverText.escape(null)).isNull();
    }

    @Test
    void textIsCutAtTheAbiLimitWithANoteOfTheFullLength() {
        byte[] exact = "x".repeat(1024).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(DriverText.of(exact, 1024)).isEqualTo("x".repeat(1024));
        byte[] over = "y".repeat(1025).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(DriverText.of(over, 5000))
                .isEqualTo("y".repeat(1024) + "… (truncated from 5000 bytes)");
    }
}
