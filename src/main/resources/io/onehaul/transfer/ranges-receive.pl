# OneHaul (io.onehaul.transfer.RangesStream), on the destination: writes the ranges ranges-send.pl
# sends into FILE in place (with a second argument "new": into FILE made empty first, so what no range
# covers reads as a hole), sets FILE's size from the end record, then reads every range back from FILE
# and prints "wrote BYTES MD5": the MD5 of each range's header and the bytes FILE now holds there, in
# stream order, and of an end record with FILE's size. The sender's MD5 over what it read and sent must
# equal it; so a byte altered on the way, a header that put bytes in the wrong place or a write that did
# not land is found before the image is used. A stream that ends before its end record fails,
# so a sender that died half-way is never taken for a finished copy.
use strict; use warnings;
use Digest::MD5;
my ($path, $mode) = @ARGV;
my $CHUNK = 1 << 20;
my $fresh = defined $mode && $mode eq 'new';
open(my $out, $fresh ? '+>' : '+<', $path) or die "$path: $!\n";
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
my @ranges;
while (1) {
    my ($offset, $length) = unpack('Q>Q>', take(16));
    if ($length == 0) {
        truncate($out, $offset) or die "$path: truncating to $offset: $!\n";
        last;
    }
    push @ranges, [$offset, $length];
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
# read back through the same file: what a restore will read, not what arrived
my $md5 = Digest::MD5->new;
for my $r (@ranges) {
    my ($offset, $length) = @$r;
    $md5->add(pack('Q>Q>', $offset, $length));
    sysseek($out, $offset, 0) or die "$path: seek to $offset: $!\n";
    while ($length > 0) {
        my $got = sysread($out, my $buf, $length < $CHUNK ? $length : $CHUNK);
        die "$path: reading back at $offset: " . (defined $got ? 'end of file' : $!) . "\n" unless $got;
        $md5->add($buf);
        $length -= $got;
        $offset += $got;
    }
}
$md5->add(pack('Q>Q>', -s $out, 0));
close($out) or die "$path: $!\n";
print "wrote $written " . $md5->hexdigest . "\n";
