package io.onehaul.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A container's users on the front-end, connected before a move and asked after it what they saw: an ICMP
 * echo every 10 ms ({@link PingClient}), one HTTP keep-alive connection to nginx fetching the page every
 * 50 ms (scripts/lib/http-keepalive-client.py) and one SSH session running a loop that prints a number every
 * 100 ms. The SSH client checks the container's host key, read from the image.
 */
public final class ServiceClients implements AutoCloseable {
    /** What they saw. */
    public record Seen(PingClient.Gaps ping, JsonNode http, boolean sshOpen, List<Long> sshLines, long sshMissing) {
        public boolean httpSurvived() {
            return http.path("failed").asInt(-1) == 0 && http.path("connections").asInt(-1) == 1;
        }

        public String summary() {
            return String.format("network gap %.3f s; http %s; ssh %s, %d lines, %d missing", ping.largestGapSeconds(),
                    http, sshOpen ? "open" : "CLOSED", sshLines.size(), sshMissing);
        }
    }

    private final PingClient ping;
    private final Process http;
    private final Process ssh;
    private final Path dir;

    private ServiceClients(PingClient ping, Process http, Process ssh, Path dir) {
        this.ping = ping;
        this.http = http;
        this.ssh = ssh;
        this.dir = dir;
    }

    public static ServiceClients connect(TestBed tb, String ip, String hostKey) {
        try {
            Path dir = Files.createTempDirectory("onehaul-clients");
            Path knownHosts = dir.resolve("known_hosts");
            Files.writeString(knownHosts, ip + " " + hostKey + "\n");
            PingClient ping = PingClient.start(ip);
            Process http = new ProcessBuilder("python3", Repo.root().resolve("scripts/lib/http-keepalive-client.py").toString(),
                    ip, "80", "--interval", "0.05", "--expect", DebianContainer.PAGE_TEXT)
                    .redirectOutput(dir.resolve("http.log").toFile()).redirectError(dir.resolve("http.err").toFile()).start();
            Process ssh = new ProcessBuilder("ssh", "-i", tb.frontendKey().toString(), "-o", "IdentitiesOnly=yes",
                    "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
                    "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "root@" + ip,
                    "i=0; while :; do echo $i; i=$((i+1)); sleep 0.1; done")
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(dir.resolve("ssh.log").toFile()).redirectError(dir.resolve("ssh.err").toFile()).start();
            return new ServiceClients(ping, http, ssh, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every client has had answers (20 s at most). */
    public void awaitAnswers() throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            if (ping.sofar().replies() > 10 && sshLines().size() > 5 && httpStarted()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the clients got no answers in 20 s: ping " + ping.sofar() + ", ssh "
                + sshLines().size() + " lines (" + read("ssh.err").strip() + "), http " + read("http.err").strip());
    }

    public Seen stop() throws InterruptedException {
        boolean sshOpen = ssh.isAlive();
        PingClient.Gaps gaps = ping.stop();
        http.destroy(); // SIGTERM: the client prints its JSON line
        http.waitFor(10, TimeUnit.SECONDS);
        ssh.destroy();
        List<Long> lines = sshLines();
        long missing = 0;
        for (int i = 1; i < lines.size(); i++) {
            missing += Math.max(0, lines.get(i) - lines.get(i - 1) - 1);
        }
        JsonNode json;
        try {
            String last = read("http.log").lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("{}");
            json = new ObjectMapper().readTree(last);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Seen(gaps, json, sshOpen, lines, missing);
    }

    @Override
    public void close() {
        ping.close();
        http.destroyForcibly();
        ssh.destroyForcibly();
    }

    private boolean httpStarted() {
        // the client prints only at the end; a live process after a second means its first request did not fail
        return http.isAlive() && read("http.err").isEmpty();
    }

    private List<Long> sshLines() {
        return read("ssh.log").lines().filter(l -> l.matches("\\d+")).map(Long::parseLong).toList();
    }

    private String read(String name) {
        try {
            Path p = dir.resolve(name);
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
