# OneHaul (io.onehaul.transfer.RangesStream), on the source: writes the byte ranges named on stdin
# ("OFFSET LENGTH" lines) of FILE to stdout, each as a 16-byte header (offset, length: 64-bit big
# endian) and its bytes, then an end record (offset = SIZE, length 0) that tells the receiver the size.
# On fd 3 it reports "sent BYTES MD5": the MD5 of every header and byte it sent, the end record last, which
# the receiver computes again over what it wrote and reads back (ranges-receive.pl).
# CAP (bytes/s, optional, 0 = none) paces the stream for transfer.bwlimit_mbit. While it sends, it also
# reports "progress BYTES" on fd 3 about once a second (the operator's progress attribute).
#   perl ranges-send.pl FILE SIZE [CAP] < ranges 3>&1 | ssh HOST perl ranges-receive.pl FILE
use strict; use warnings;
use Digest::MD5;
use Time::HiRes qw(time sleep);
my ($path, $size, $cap) = @ARGV;
$cap ||= 0;
# capped: smaller pieces, so the pauses keep the rate even instead of 1 MiB bursts
my $CHUNK = $cap ? 1 << 16 : 1 << 20;
open(my $report, '>&=', 3) or die "fd 3 (the report) is not open: $!\n";
open(my $in, '<', $path) or die "$path: $!\n";
binmode STDOUT;
my $md5 = Digest::MD5->new;
my ($sent, $t0) = (0, time);
my $told = $t0;
sub put { my ($bytes) = @_; $md5->add($bytes); print $bytes; }
while (my $line = <STDIN>) {
    my ($offset, $length) = split ' ', $line;
    next unless defined $length && $length > 0;
    put(pack('Q>Q>', $offset, $length));
    sysseek($in, $offset, 0) or die "$path: seek to $offset: $!\n";
    while ($length > 0) {
        my $want = $length < $CHUNK ? $length : $CHUNK;
        my $got = sysread($in, my $buf, $want);
        die "$path: " . (defined $got ? 'shorter than expected' : $!) . " at $offset\n" unless $got;
        put($buf);
        $length -= $got;
        $offset += $got;
        $sent += $got;
        if (time - $told >= 1) {
            $told = time;
            syswrite($report, "progress $sent\n");
        }
        if ($cap) {
            my $ahead = $sent / $cap - (time - $t0);
            sleep($ahead) if $ahead > 0;
        }
    }
}
put(pack('Q>Q>', $size, 0));
close(STDOUT) or die "sending: $!\n";
print $report "sent $sent " . $md5->hexdigest . "\n";
close($report) or die "reporting: $!\n";
