package io.onehaul.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client on the front-end that sends an ICMP echo to a container every 10 ms (iputils ping, root) and
 * records when each reply came: the network-visible downtime of a move is the largest gap between two
 * replies. The kernel of the container's network namespace answers, so a reply proves the network path
 * to wherever the container runs, not an application.
 */
public final class PingClient implements AutoCloseable {
    private static final Pattern REPLY = Pattern.compile("^\\[(\\d+\\.\\d+)\\] \\d+ bytes from .*icmp_seq=(\\d+)");

    /** What the client saw: replies, the largest gap between two, and when it began (epoch seconds). */
    public record Gaps(int replies, double largestGapSeconds, double gapStartsAt, double lastReplyAt) {}

    private final Process ping;
    private final Path out;

    private PingClient(Process ping, Path out) {
        this.ping = ping;
        this.out = out;
    }

    public static PingClient start(String ip) {
        try {
            Path out = Files.createTempFile("onehaul-ping", ".log");
            Process p = new ProcessBuilder("ping", "-D", "-n", "-i", "0.01", "-W", "1", ip)
                    .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            return new PingClient(p, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replies so far (the client goes on). */
    public Gaps sofar() {
        try {
            return gaps(Files.readAllLines(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until at least {@code n} replies came, or fails after 10 s. */
    public void awaitReplies(int n) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (sofar().replies() >= n) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("fewer than " + n + " ping replies in 10 s: " + sofar());
    }

    public Gaps stop() {
        ping.destroy();
        try {
            ping.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return sofar();
    }

    @Override
    public void close() {
        ping.destroyForcibly();
        try {
            Files.deleteIfExists(out);
        } catch (IOException ignored) {
            // a temp file
        }
    }

    static Gaps gaps(List<String> lines) {
        List<Double> at = new ArrayList<>();
        for (String l : lines) {
            Matcher m = REPLY.matcher(l);
            if (m.find()) {
                at.add(Double.parseDouble(m.group(1)));
            }
        }
        double largest = 0;
        double startsAt = 0;
        for (int i = 1; i < at.size(); i++) {
            double gap = at.get(i) - at.get(i - 1);
            if (gap > largest) {
                largest = gap;
                startsAt = at.get(i - 1);
            }
        }
        return new Gaps(at.size(), largest, startsAt, at.isEmpty() ? 0 : at.get(at.size() - 1));
    }
}
