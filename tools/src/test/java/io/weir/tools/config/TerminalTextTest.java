package io.weir.tools.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminalTextTest {
    @Test
    void controlAndFormatCharactersAreShownNotObeyed() {
        assertThat(TerminalText.escape("bad\u001b[2J\rvalue\n\t\u007f\u0085\u202e\u2028"))
                .isEqualTo("bad\\u001b[2J\\u000dvalue\\u000a\\u0009\\u007f\\u0085\\u202e\\u2028");
    }

    @Test
    void printableTextOfAnyScriptIsKept() {
        assertThat(TerminalText.escape("温度 °C — ok \"q\" \\ 🙂"))
                .isEqualTo("温度 °C — ok \"q\" \\ 🙂");
    }

    @Test
    void loneSurrogatesAreShown() {
        assertThat(TerminalText.escape("a\ud800b\udc00")).isEqualTo("a\\ud800b\\udc00");
    }

    @Test
    void longTextIsCut() {
        String s = TerminalText.escape("x".repeat(TerminalText.MAX_CHARS + 10));
        assertThat(s).startsWith("x".repeat(TerminalText.MAX_CHARS) + "… (10 more characters)");
        assertThat(TerminalText.escape(null)).isEmpty();
        assertThat(TerminalText.quote("a\u0007")).isEqualTo("\"a\\u0007\"");
    }
}
