package io.onehaul.transfer;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostScript;
import io.onehaul.host.Shell;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The changed blocks of an image as one stream: the source's Perl reads the ranges and sends them through the
 * SSH the copies use, the destination's Perl writes them in place, and both report a byte count and an MD5
 * over the stream's headers and data (ranges-send.pl over what it read and sent, ranges-receive.pl over what
 * it reads back from the file). The copy counts only when both reports agree: a byte count alone does not
 * see a byte altered on the way or a write that landed elsewhere. (rsync's copies need no such pass: rsync
 * checks every file it transfers against a whole-file checksum on the receiver and sends it again if they
 * differ.)
 */
final class RangesStream {
    private static final Pattern SENT = Pattern.compile("(?m)^sent (\\d+) ([0-9a-f]{32})$");
    private static final Pattern WROTE = Pattern.compile("(?m)^wrote (\\d+) ([0-9a-f]{32})$");

    private RangesStream() {}

    /**
     * The line run on the source. The sender's report goes out on its fd 3, which points at the line's own
     * stdout (fd 4 keeps it across the pipe), beside the receiver's report that ssh brings back; no other
     * stage keeps fd 4, so a persisting SSH master cannot hold the output open.
     *
     * @param privilege the receiving host's privilege prefix ("sudo -n " or ""), as rsync's --rsync-path
     * @param fresh     the destination file is made (or emptied) first: the ranges are all it will hold
     */
    static String command(SshRoute route, String privilege, LinkShaping shaping, String srcFile, long size,
                          String dstFile, boolean fresh) {
        String receive = privilege + HostScript.perl(RangesStream.class, "ranges-receive.pl") + " " + Shell.quote(dstFile)
                + (fresh ? " new" : "");
        List<String> stages = new ArrayList<>();
        stages.add(HostScript.perl(RangesStream.class, "ranges-send.pl") + " " + Shell.quote(srcFile) + " " + size + " "
                + shaping.capBytesPerSecond() + " 3>&4");
        if (shaping.compress()) {
            // gzip, not zstd: gzip is on every Debian host (essential), zstd only where someone installed it
            stages.add("gzip -1 -c");
            receive = "gzip -d -c | " + receive;
        }
        stages.add(route.ssh() + " " + Shell.quote(route.address()) + " " + Shell.quote(receive));
        return "{ " + stages.stream().map(s -> s + " 4>&-").collect(Collectors.joining(" | ")) + "; } 4>&1";
    }

    /** The bytes the ranges ("OFFSET LENGTH" lines) name. */
    static long total(String ranges) {
        return ranges.lines().filter(l -> !l.isBlank()).mapToLong(l -> Long.parseLong(l.strip().split("\\s+")[1])).sum();
    }

    /** Why the copy that ran as {@link #command} is not whole, or empty when both ends agree on every byte. */
    static Optional<String> failure(CommandResult r, long expected) {
        if (!r.ok()) {
            return Optional.of(r.reason());
        }
        Matcher sent = SENT.matcher(r.stdout());
        Matcher wrote = WROTE.matcher(r.stdout());
        if (!sent.find()) {
            return Optional.of("the source did not report what it sent");
        }
        if (!wrote.find()) {
            return Optional.of("the destination did not report what it wrote");
        }
        if (Long.parseLong(sent.group(1)) != expected) {
            return Optional.of("sent " + sent.group(1) + " of " + expected + " bytes");
        }
        if (Long.parseLong(wrote.group(1)) != expected) {
            return Optional.of("wrote " + wrote.group(1) + " of " + expected + " bytes");
        }
        if (!sent.group(2).equals(wrote.group(2))) {
            return Optional.of("the blocks written on the destination do not match those read on the source (MD5 "
                    + wrote.group(2) + ", sent " + sent.group(2) + "): altered on the way or not written where they belong");
        }
        return Optional.empty();
    }
}
