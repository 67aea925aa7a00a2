package io.onehaul.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.concurrent.TimeUnit;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;

/**
 * {@link HostShell} over SSH (SSHJ). Host keys are verified against a known_hosts file and an
 * unknown or changed key is refused: we never accept-all. One connection per shell, one session
 * per command.
 */
public final class SshHostShell implements HostShell {
    private static final Logger log = LoggerFactory.getLogger(SshHostShell.class);
    private final String host;
    private final SSHClient ssh;
    private final String sudo;

    private SshHostShell(String host, SSHClient ssh, String sudo) {
        this.host = host;
        this.ssh = ssh;
        this.sudo = sudo;
    }

    public record Settings(String user, int port, List<Path> identities, Path knownHosts,
                           Duration connectTimeout, String sudo) {}

    public static HostShellFactory factory(Settings s) {
        return host -> connect(host, s);
    }

    /** A host that answers no keep-alive for this many times this many seconds is gone: its commands fail. */
    static final int KEEP_ALIVE_SECONDS = 5;
    static final int KEEP_ALIVE_MISSES = 4;

    public static SshHostShell connect(String host, Settings s) {
        if (host == null || host.isBlank() || !host.matches("[A-Za-z0-9_.:\\[\\]-]+") || host.startsWith("-")) {
            throw new HostException(String.valueOf(host), "not a valid host name");
        }
        if (!Files.isReadable(s.knownHosts())) {
            throw new HostException(host, "known_hosts file " + s.knownHosts()
                    + " is missing: host keys must be verified (add the host with ssh-keyscan after checking it)");
        }
        // KEEP_ALIVE (not the default heartbeat) drops a connection whose peer stopped answering, so a
        // host that vanishes mid-migration fails the call in seconds instead of hanging until a timeout.
        net.schmizz.sshj.DefaultConfig config = new net.schmizz.sshj.DefaultConfig();
        config.setKeepAliveProvider(net.schmizz.keepalive.KeepAliveProvider.KEEP_ALIVE);
        SSHClient ssh = new SSHClient(config);
        // set before connect: SSHJ starts the keep-alive thread only if the interval is set when it connects
        net.schmizz.keepalive.KeepAlive ka = ssh.getConnection().getKeepAlive();
        ka.setKeepAliveInterval(KEEP_ALIVE_SECONDS);
        if (ka instanceof net.schmizz.keepalive.KeepAliveRunner runner) {
            runner.setMaxAliveCount(KEEP_ALIVE_MISSES);
        }
        try {
            ssh.addHostKeyVerifier(new OpenSSHKnownHosts(s.knownHosts().toFile()));
            ssh.setConnectTimeout((int) s.connectTimeout().toMillis());
            ssh.setTimeout((int) Math.max(s.connectTimeout().toMillis(), 10_000));
            ssh.connect(host, s.port());
            List<KeyProvider> keys = new ArrayList<>();
            for (Path id : s.identities()) {
                if (Files.isReadable(id)) {
                    keys.add(ssh.loadKeys(id.toString()));
                }
            }
            if (keys.isEmpty()) {
                throw new HostException(host, "no readable SSH identity among " + s.identities());
            }
            ssh.authPublickey(s.user(), keys);
            return new SshHostShell(host, ssh, s.sudo());
        } catch (HostException e) {
            closeQuietly(ssh);
            throw e;
        } catch (IOException e) {
            closeQuietly(ssh);
            throw new HostException(host, "SSH connection failed: " + describe(e), e);
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        if (m != null && m.contains("Could not verify")) {
            return "host key not trusted (not in known_hosts, or changed): " + m;
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public CommandResult run(String command, byte[] stdin, Duration timeout) {
        return run(command, stdin, timeout, null);
    }

    /** Streams: each stdout line reaches {@code onStdoutLine} as it arrives over the channel. */
    @Override
    public CommandResult run(String command, byte[] stdin, Duration timeout, Consumer<String> onStdoutLine) {
        String line = sudo.isBlank() ? command : sudo + " sh -c " + Shell.quote(command);
        long start = System.nanoTime();
        try (Session session = ssh.startSession()) {
            Session.Command cmd = session.exec(line);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread tOut = pump(cmd.getInputStream(), out, onStdoutLine == null ? null : new OutputLines(onStdoutLine));
            Thread tErr = pump(cmd.getErrorStream(), err, null);
            try (OutputStream in = cmd.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            }
            cmd.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Integer exit = cmd.getExitStatus();
            if (exit == null) {
                cmd.close();
                tOut.join(1000);
                tErr.join(1000);
                return new CommandResult(124, out.toString(StandardCharsets.UTF_8),
                        err.toString(StandardCharsets.UTF_8) + "\ntimed out after " + timeout.toSeconds() + " s",
                        Duration.ofNanos(System.nanoTime() - start));
            }
            tOut.join(5000);
            tErr.join(5000);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            // the log file's detail: where a phase's time goes, command by command (never stdin: it may hold secrets)
            log.debug("{}: exit {} after {} ms: {}", host, exit, took.toMillis(),
                    command.length() > 200 ? command.substring(0, 200) + "…" : command);
            return new CommandResult(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), took);
        } catch (IOException e) {
            throw new HostException(host, "SSH command failed: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException(host, "interrupted", e);
        }
    }

    /**
     * Copies a channel stream into {@code sink} as it arrives, and into {@code lines} (may be null) too; the
     * last line is handed over when the stream ends.
     */
    static Thread pump(InputStream in, ByteArrayOutputStream sink, OutputLines lines) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    sink.write(buf, 0, n);
                    if (lines != null) {
                        lines.write(buf, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the channel closed; what was read is kept
            }
            if (lines != null) {
                lines.finish();
            }
        }, "ssh-pump");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * SSH remote port forwarding on this connection: the host's sshd listens on 127.0.0.1 (a port it
     * picks) and hands each connection to the front-end, which connects to the target. Needs
     * AllowTcpForwarding (sshd's default) on the host.
     */
    @Override
    public HostRelay relayTo(String targetHost, int targetPort) {
        io.onehaul.opennebula.Names.host(targetHost);
        var forwarder = ssh.getRemotePortForwarder();
        try {
            var bound = forwarder.bind(new net.schmizz.sshj.connection.channel.forwarded.RemotePortForwarder.Forward(
                            "127.0.0.1", 0),
                    new RelayConnectListener(new java.net.InetSocketAddress(targetHost, targetPort)));
            log.info("relay: {}:127.0.0.1:{} leads through the front-end to {}:{}", host, bound.getPort(), targetHost,
                    targetPort);
            return new HostRelay() {
                @Override
                public int port() {
                    return bound.getPort();
                }

                @Override
                public String target() {
                    return targetHost + ":" + targetPort;
                }

                @Override
                public void close() {
                    try {
                        forwarder.cancel(bound);
                    } catch (IOException | RuntimeException e) {
                        log.debug("{}: cancelling the relay to {}:{}: {}", host, targetHost, targetPort, e.toString());
                    }
                }
            };
        } catch (IOException | RuntimeException e) {
            throw new HostException(host, "cannot open a relay through the front-end to " + targetHost + ":" + targetPort
                    + ": " + describe(e), e);
        }
    }

    @Override
    public void close() {
        closeQuietly(ssh);
    }

    private static void closeQuietly(SSHClient ssh) {
        try {
            ssh.disconnect();
        } catch (IOException ignored) {
            // nothing to do on a connection we are dropping
        }
    }
}
