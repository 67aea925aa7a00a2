# OneHaul (io.onehaul.transfer.DirectRsync#copyRanges), on the destination: writes the ranges
# ranges-send.pl sends into FILE in place, sets FILE's size from the end record, and prints the
# number of bytes written. A stream that ends before its end record fails (exit 2), so a sender that
# died half-way is never taken for a finished copy.
use strict; use warnings;
my ($path) = @ARGV;
my $CHUNK = 1 << 20;
open(my $out, '+<', $path) or die "$path: $!\n";
binmode STDIN;
sub take {
    my ($n) = @_;
    my $buf = '';
    while (length($buf) < $n) {
        my $got = sysread(STDIN, $buf, $n - length($buf), length($buf));
        die "$path: the stream ended before its end record\n" unless $got;
    }
    return $buf;
}
my $written = 0;
while (1) {
    my ($offset, $length) = unpack('Q>Q>', take(16));
    if ($length == 0) {
        truncate($out, $offset) or die "$path: truncating to $offset: $!\n";
        last;
    }
    sysseek($out, $offset, 0) or die "$path: seek to $offset: $!\n";
    while ($length > 0) {
        my $n = $length < $CHUNK ? $length : $CHUNK;
        my $buf = take($n);
        my $put = syswrite($out, $buf);
        die "$path: write at $offset: $!\n" unless defined $put && $put == $n;
        $length -= $n;
        $offset += $n;
        $written += $n;
    }
}
close($out) or die "$path: $!\n";
print "$written\n";
