package io.onehaul.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What SshHostShell does with a channel's stdout: every byte kept for the result, and each line handed on
 * while the command still runs. A pipe stands in for the SSH channel's stream (SSHJ delivers its window's
 * data to the reader as it arrives, the same way).
 */
class SshOutputPumpTest {

    @Test
    void linesReachTheListenerWhileTheCommandIsStillWriting() throws Exception {
        PipedOutputStream remote = new PipedOutputStream();
        PipedInputStream channel = new PipedInputStream(remote, 1 << 16);
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        List<String> lines = new CopyOnWriteArrayList<>();

        Thread pump = SshHostShell.pump(channel, kept, new OutputLines(lines::add));
        remote.write("\r  1,048,576  10%  1.00MB/s  0:00:09".getBytes(StandardCharsets.US_ASCII));
        remote.write("\r  2,097,152  20%".getBytes(StandardCharsets.US_ASCII));
        remote.flush();
        awaitSize(lines, 1);

        assertEquals(List.of("  1,048,576  10%  1.00MB/s  0:00:09"), lines,
                "the first redraw is handed on before the stream ends; the second waits for its line end");
        assertTrue(pump.isAlive(), "the command has not ended");

        remote.write("  1.00MB/s  0:00:08\nTotal bytes sent: 2,097,200\n".getBytes(StandardCharsets.US_ASCII));
        remote.close();
        pump.join(TimeUnit.SECONDS.toMillis(5));

        assertEquals(List.of("  1,048,576  10%  1.00MB/s  0:00:09", "  2,097,152  20%  1.00MB/s  0:00:08",
                "Total bytes sent: 2,097,200"), lines);
        assertEquals("\r  1,048,576  10%  1.00MB/s  0:00:09\r  2,097,152  20%  1.00MB/s  0:00:08\n"
                + "Total bytes sent: 2,097,200\n", kept.toString(StandardCharsets.US_ASCII), "the result keeps every byte");
    }

    @Test
    void withoutAListenerTheOutputIsOnlyKept() throws Exception {
        PipedOutputStream remote = new PipedOutputStream();
        PipedInputStream channel = new PipedInputStream(remote);
        ByteArrayOutputStream kept = new ByteArrayOutputStream();

        Thread pump = SshHostShell.pump(channel, kept, null);
        remote.write("exit status follows\n".getBytes(StandardCharsets.US_ASCII));
        remote.close();
        pump.join(5000);

        assertEquals("exit status follows\n", kept.toString(StandardCharsets.US_ASCII));
    }

    private static void awaitSize(List<String> lines, int n) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (lines.size() < n && System.nanoTime() < until) {
            Thread.sleep(10);
        }
    }
}
