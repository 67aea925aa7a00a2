# OneHaul (io.onehaul.disk.ImageDelta): prints each file's extent map as the kernel's FIEMAP
# reports it, after flushing the file (FIEMAP_FLAG_SYNC), so delayed writes have their blocks.
#   perl fiemap.pl FILE...   ->   "file SIZE PATH", then "LOGICAL PHYSICAL LENGTH FLAGS" per extent
# Perl because it is part of every Debian base system and hosts run no JVM.
use strict; use warnings;
my $FS_IOC_FIEMAP = 0xC020660B;   # _IOWR('f', 11, struct fiemap)
my $FLAG_SYNC = 1;
my $EXTENT_LAST = 1;
my $BATCH = 512;                  # extents per call; struct fiemap_extent is 56 bytes
for my $path (@ARGV) {
    open(my $fh, '<', $path) or die "$path: $!\n";
    print 'file ', (-s $fh), " $path\n";
    my ($start, $last) = (0, 0);
    until ($last) {
        my $buf = pack('QQLLLL', $start, ~0, $FLAG_SYNC, 0, $BATCH, 0) . ("\0" x (56 * $BATCH));
        ioctl($fh, $FS_IOC_FIEMAP, $buf) or die "$path: FIEMAP: $!\n";
        my $mapped = (unpack('QQLL', $buf))[3];
        last if $mapped == 0;
        for my $i (0 .. $mapped - 1) {
            my ($logical, $physical, $length, undef, undef, $flags) = unpack('QQQQQL', substr($buf, 32 + 56 * $i, 56));
            print "$logical $physical $length $flags\n";
            $start = $logical + $length;
            $last = 1 if $flags & $EXTENT_LAST;
        }
    }
    close($fh);
}
