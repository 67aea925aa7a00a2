package io.onehaul.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A copy's time limit: setup, plus three times what its bytes take at the rate the link allows. */
class TransferBudgetTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final Duration FIXED = Duration.ofSeconds(300);

    @Test
    void theLimitIsTheSetupPlusThreeTimesTheBytesAtTheMeasuredRate() {
        TransferBudget b = new TransferBudget(10 * MIB, 0, FIXED);
        assertEquals(10 * MIB, b.bytesPerSecond());
        assertEquals(Duration.ofSeconds(60), b.timeout(0), "nothing to move: only the setup");
        // 1 GiB at 10 MiB/s = 102.4 s, times 3 = 307.2 s, rounded up
        assertEquals(Duration.ofSeconds(60 + 308), b.timeout(GIB));
        assertEquals(Duration.ofSeconds(60 + 1), b.timeout(1), "a part second counts as a second");
    }

    @Test
    void aBigPreSyncOnASlowLinkGetsFarMoreThanTheOldFixedFigureAndASmallOneLess() {
        TransferBudget wan = new TransferBudget(100_000_000L / 8, 0, FIXED);   // 100 Mbit/s
        // 20 GiB at 12.5 MB/s: 1718 s, times 3
        assertEquals(Duration.ofSeconds(60 + 5154), wan.timeout(20 * GIB));
        assertTrue(wan.timeout(20 * GIB).compareTo(FIXED) > 0);
        assertTrue(new TransferBudget(100 * MIB, 0, FIXED).timeout(64 * MIB).compareTo(FIXED) < 0);
        assertTrue(wan.timeout(2 * GIB).compareTo(wan.timeout(GIB)) > 0, "more bytes, more time");
    }

    @Test
    void nothingMeasuredAssumesASlowLink() {
        TransferBudget b = new TransferBudget(0, 0, FIXED);
        assertEquals(1_250_000, b.bytesPerSecond());
        assertEquals(Duration.ofSeconds(60 + 240), b.timeout(100_000_000L), "100 MB at 10 Mbit/s = 80 s, times 3");
        assertTrue(b.toString().contains("assumed"), b.toString());
    }

    @Test
    void theOperatorsCapBindsWhenItIsBelowTheLink() {
        TransferBudget capped = new TransferBudget(100 * MIB, 1_000_000, FIXED);   // transfer.bwlimit_mbit = 8
        assertEquals(1_000_000, capped.bytesPerSecond());
        assertEquals(Duration.ofSeconds(60 + 30), capped.timeout(10_000_000L));
        assertTrue(capped.toString().contains("capped"), capped.toString());

        assertEquals(10 * MIB, new TransferBudget(10 * MIB, 100 * MIB, FIXED).bytesPerSecond(), "a cap above the link");
        assertEquals(1_000_000, new TransferBudget(0, 1_000_000, FIXED).bytesPerSecond(), "a cap below the assumed rate");
    }

    @Test
    void aMeasurementFasterThanDisksIsBelievedOnlyUpToThem() {
        TransferBudget loopback = new TransferBudget(2 * GIB, 0, FIXED);
        assertEquals(TransferBudget.MAX_CREDITED_BYTES_PER_SECOND, loopback.bytesPerSecond());
        // 2 GiB at 200 MiB/s = 10.24 s, times 3
        assertEquals(Duration.ofSeconds(60 + 31), loopback.timeout(2 * GIB));
        assertTrue(loopback.toString().contains("disk-bound"), loopback.toString());
    }

    @Test
    void aCopyOfUnknownSizeKeepsTheFixedFigure() {
        assertEquals(FIXED, new TransferBudget(10 * MIB, 0, FIXED).timeout(-1));
    }
}
