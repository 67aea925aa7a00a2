package io.onehaul.tm;

import io.onehaul.host.HostException;
import io.onehaul.host.Shell;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Copies a front-end file or folder to a host with rsync run on the front-end (clone/ln of images).
 *
 * <p>Why rsync rather than SSHJ's SFTP/SCP: images are mostly holes, and rsync -S writes them sparse
 * on the host (SFTP would write every zero); a retried clone only sends what differs; every file is
 * checked against a whole-file checksum; rsync writes to a temporary name and renames, so a broken
 * copy never looks like a disk. Its ssh is pinned to what the Java SSH client trusts: the same
 * identities, known_hosts (strict, no prompt), user and port.
 */
final class FrontendRsync {
    private final TmSettings.FrontendSsh ssh;
    private final String remoteRsync;

    FrontendRsync(TmSettings.FrontendSsh ssh, String remoteRsync) {
        this.ssh = ssh;
        this.remoteRsync = remoteRsync;
    }

    /** The ssh command rsync runs (-e); rsync splits it honouring single quotes, as a shell would. */
    String sshCommand() {
        List<String> words = new ArrayList<>(List.of("ssh"));
        for (Path id : ssh.identities()) {
            if (Files.isReadable(id)) {
                words.addAll(List.of("-i", id.toString()));
            }
        }
        words.addAll(List.of("-o", "IdentitiesOnly=yes", "-o", "UserKnownHostsFile=" + ssh.knownHosts(),
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
                "-o", "ConnectTimeout=" + Math.max(1, ssh.connectTimeout().toSeconds()),
                "-l", ssh.user(), "-p", Integer.toString(ssh.port())));
        return Shell.command(words);
    }

    List<String> command(String src, boolean folder, String host, String dst) {
        List<String> cmd = new ArrayList<>(List.of("rsync", "-aHS", "--numeric-ids"));
        if (folder) {
            cmd.add("--delete");
        }
        cmd.addAll(List.of("-e", sshCommand()));
        if (!remoteRsync.isBlank() && !remoteRsync.equals("rsync")) {
            cmd.add("--rsync-path=" + remoteRsync);
        }
        cmd.add(folder ? src + "/" : src);
        cmd.add((host.contains(":") ? "[" + host + "]" : host) + ":" + dst);
        return cmd;
    }

    void copy(String src, boolean folder, String host, String dst, java.time.Duration timeout) {
        if (ssh.identities().stream().noneMatch(Files::isReadable)) {
            throw new HostException(host, "no readable SSH identity among " + ssh.identities());
        }
        if (!Files.isReadable(ssh.knownHosts())) {
            throw new HostException(host, "known_hosts file " + ssh.knownHosts() + " is missing: host keys must be verified");
        }
        List<String> cmd = command(src, folder, host, dst);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/null")).start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread t1 = pump(p.getInputStream(), out);
            Thread t2 = pump(p.getErrorStream(), err);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new HostException(host, "copying " + src + " from the front-end did not finish in "
                        + timeout.toSeconds() + " s");
            }
            t1.join(5000);
            t2.join(5000);
            if (p.exitValue() != 0) {
                throw new HostException(host, "copying " + src + " from the front-end to " + dst + " failed (rsync exit "
                        + p.exitValue() + "): " + io.onehaul.transfer.DirectRsync.whyRsyncFailed(new io.onehaul.host.CommandResult(
                        p.exitValue(), "", err.toString(StandardCharsets.UTF_8), java.time.Duration.ZERO)));
            }
        } catch (IOException e) {
            throw new HostException(host, "cannot run rsync on the front-end: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException(host, "interrupted while copying " + src, e);
        }
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(sink);
            } catch (IOException ignored) {
                // the process ended; what was read is kept
            }
        }, "rsync-pump");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
