package io.onehaul.transfer;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one line of rsync's {@code --info=progress2} meter, e.g.
 * {@code "     412,123,456  40%   11.23MB/s    0:00:35 (xfr#1, to-chk=1/3)"}: the bytes of file data
 * handled so far in this run (all files together), the share of the file list's total size, the rate and
 * the time left or taken. rsync 3.2.7 writes the meter to stdout, redrawn with {@code \r}, and the
 * {@code --stats} summary after it on the same stream; every other stdout line is not a meter line.
 * Pure: no I/O.
 */
public final class RsyncProgress {
    /** Digits grouped as the locale does it (1,234 / 1.234 / 1'234), a percentage, a rate, a time. */
    private static final Pattern METER = Pattern.compile(
            "^\\s*(\\d[\\d,.']*)\\s+(\\d{1,3})%\\s+\\S+/s\\s+\\d+:\\d{2}:\\d{2}(?:\\s.*)?$");

    private RsyncProgress() {}

    /** The bytes done that a meter line reports; empty for any other line. */
    public static OptionalLong bytesDone(String line) {
        Matcher m = METER.matcher(line);
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        String digits = m.group(1).replaceAll("[^0-9]", "");
        if (digits.length() > 18) {
            return OptionalLong.empty(); // not a byte count rsync could have reached
        }
        return OptionalLong.of(Long.parseLong(digits));
    }
}
