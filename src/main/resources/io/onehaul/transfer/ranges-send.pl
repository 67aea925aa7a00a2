# OneHaul (io.onehaul.transfer.DirectRsync#copyRanges), on the source: writes the byte ranges named on
# stdin ("OFFSET LENGTH" lines) of FILE to stdout, each as a 16-byte header (offset, length: 64-bit big
# endian) and its bytes, then an end record (offset = SIZE, length 0) that tells the receiver the size.
#   perl ranges-send.pl FILE SIZE < ranges | ssh HOST perl ranges-receive.pl FILE
use strict; use warnings;
my ($path, $size) = @ARGV;
my $CHUNK = 1 << 20;
open(my $in, '<', $path) or die "$path: $!\n";
binmode STDOUT;
while (my $line = <STDIN>) {
    my ($offset, $length) = split ' ', $line;
    next unless defined $length && $length > 0;
    print pack('Q>Q>', $offset, $length);
    sysseek($in, $offset, 0) or die "$path: seek to $offset: $!\n";
    while ($length > 0) {
        my $want = $length < $CHUNK ? $length : $CHUNK;
        my $got = sysread($in, my $buf, $want);
        die "$path: " . (defined $got ? 'shorter than expected' : $!) . " at $offset\n" unless $got;
        print $buf;
        $length -= $got;
        $offset += $got;
    }
}
print pack('Q>Q>', $size, 0);
close(STDOUT) or die "sending: $!\n";
