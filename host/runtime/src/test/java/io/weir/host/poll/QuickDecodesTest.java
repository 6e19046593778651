package io.weir.host.poll;

import static io.weir.host.poll.QuickDecodes.FIRST;
import static io.weir.host.poll.QuickDecodes.QUICK_NANOS;
import static io.weir.host.poll.QuickDecodes.RELAX;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QuickDecodesTest {

    private static final long FAST = QUICK_NANOS;
    private static final long SLOW = QUICK_NANOS + 1;

    /** Decodes {@code n} quick answers and returns how many of them the device was quick after. */
    private static int fast(QuickDecodes q, int n) {
        int quickAfter = 0;
        for (int i = 0; i < n; i++) {
            q.decoded(FAST);
            quickAfter += q.quick() ? 1 : 0;
        }
        return quickAfter;
    }

    /** The answers it takes, from a streak of none, until the device is quick. */
    private static int answersToQuick(QuickDecodes q) {
        assertThat(q.quick()).isFalse();
        int n = 0;
        while (!q.quick()) {
            q.decoded(FAST);
            n++;
        }
        return n;
    }

    @Test
    void aDeviceIsQuickAfterTheFirstFewAnswersInARowDecodedWithinTheLimit() {
        QuickDecodes q = new QuickDecodes();
        assertThat(q.quick()).isFalse();
        assertThat(fast(q, FIRST - 1)).isZero();
        q.decoded(FAST); // exactly the limit counts as quick
        assertThat(q.quick()).isTrue();
        assertThat(q.needed()).isEqualTo(FIRST);
    }

    @Test
    void aSlowAnswerBeforeTheDeviceIsQuickStartsTheCountAgainWithoutRaisingTheBar() {
        QuickDecodes q = new QuickDecodes();
        fast(q, FIRST - 1);
        q.decoded(SLOW);
        assertThat(q.needed()).isEqualTo(FIRST);
        assertThat(answersToQuick(q)).isEqualTo(FIRST);
    }

    @Test
    void aSlowAnswerWhileQuickEndsItAndDoublesWhatTheDeviceNeeds() {
        QuickDecodes q = new QuickDecodes();
        fast(q, FIRST);
        q.decoded(SLOW);
        assertThat(q.quick()).isFalse();
        assertThat(q.needed()).isEqualTo(2 * FIRST);
        assertThat(answersToQuick(q)).isEqualTo(2 * FIRST);
    }

    @Test
    void aDriverSlowNowAndThenHoldsTheIoThreadUpAFewTimesAndThenNoMore() {
        // Every 50th answer takes long: the device is quick for it at FIRST, 2 FIRST … 32 needed,
        // and never again once it needs more than the 49 quick ones between.
        QuickDecodes q = new QuickDecodes();
        assertThat(stalls(q, 50, 100_000)).as("at 4, 8, 16 and 32 needed").isEqualTo(4);
        assertThat(q.needed()).isEqualTo(64);

        // Every 1,000th, just under RELAX apart: the bar climbs to RELAX in eight stalls (4, 8 …
        // 512 needed), and then the 999 quick answers between never earn it again.
        QuickDecodes r = new QuickDecodes();
        assertThat(stalls(r, 1_000, 100_000)).isEqualTo(8);
        assertThat(r.needed()).isEqualTo(RELAX);
    }

    /**
     * Decodes {@code answers} answers of which every {@code every}th is slow, and returns how many
     * of the slow ones came while the device was quick: each held the I/O thread up.
     */
    private static int stalls(QuickDecodes q, int every, int answers) {
        int stalls = 0;
        for (int i = 1; i <= answers; i++) {
            boolean slow = i % every == 0;
            if (slow && q.quick()) {
                stalls++;
            }
            q.decoded(slow ? SLOW : FAST);
        }
        return stalls;
    }

    @Test
    void aLongStreakHalvesWhatTheDeviceNeedsDownToTheFirstBar() {
        QuickDecodes q = new QuickDecodes();
        // Raise the bar to 32: quick, then slow, three times over.
        for (int i = 0; i < 3; i++) {
            answersToQuick(q);
            q.decoded(SLOW);
        }
        assertThat(q.needed()).isEqualTo(8 * FIRST);
        assertThat(answersToQuick(q)).isEqualTo(8 * FIRST);
        // RELAX in a row: half the bar, and still quick by it.
        assertThat(fast(q, RELAX - 8 * FIRST - 1)).isEqualTo(RELAX - 8 * FIRST - 1);
        assertThat(q.needed()).isEqualTo(8 * FIRST);
        q.decoded(FAST);
        assertThat(q.needed()).isEqualTo(4 * FIRST);
        assertThat(q.quick()).isTrue();
        // Each further halving takes another streak of RELAX less the new bar.
        fast(q, RELAX - 4 * FIRST - 1);
        assertThat(q.needed()).isEqualTo(4 * FIRST);
        q.decoded(FAST);
        assertThat(q.needed()).isEqualTo(2 * FIRST);
        fast(q, RELAX - 2 * FIRST);
        assertThat(q.needed()).isEqualTo(FIRST);
        // Never below FIRST, and the streak stays quick.
        assertThat(fast(q, 3 * RELAX)).isEqualTo(3 * RELAX);
        assertThat(q.needed()).isEqualTo(FIRST);
        q.decoded(SLOW);
        assertThat(q.needed()).isEqualTo(2 * FIRST);
    }

    @Test
    void theBarNeverPassesRelax() {
        QuickDecodes q = new QuickDecodes();
        for (int i = 0; i < 12; i++) {
            answersToQuick(q);
            q.decoded(SLOW);
        }
        assertThat(q.needed()).isEqualTo(RELAX);
        assertThat(answersToQuick(q)).isEqualTo(RELAX);
    }

    @Test
    void aNewVersionStartsFromTheFirstBar() {
        QuickDecodes q = new QuickDecodes();
        answersToQuick(q);
        q.decoded(SLOW);
        answersToQuick(q);
        assertThat(q.needed()).isEqualTo(2 * FIRST);
        q.reset();
        assertThat(q.quick()).isFalse();
        assertThat(q.needed()).isEqualTo(FIRST);
        assertThat(answersToQuick(q)).isEqualTo(FIRST);
    }
}
