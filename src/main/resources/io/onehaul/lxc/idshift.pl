# OneHaul: give the files of a container's disks the owners its id map expects (io.onehaul.lxc.IdMap).
# argv: BASE COUNT PATH...  BASE 0 COUNT 0: privileged (ids as they are inside).
# Each PATH is the top of a disk as the container sees it; its owner says which base the disk has now
# (its root directory belongs to the container's root). Ids in [now, now + 65536) move to the same place
# in [BASE, BASE + 65536); any other id is left alone. Never follows a symlink (lchown; no chmod on one),
# never leaves the disk's file system. The top goes last, so a shift killed half-way is redone next time. Prints "PATH kept" or "PATH shifted N from OLD".
use strict;
use warnings;
use File::Find ();

my ($base, $count, @paths) = @ARGV;
die "usage: idshift.pl BASE COUNT PATH...\n" unless defined $count && $base =~ /^\d+$/ && $count =~ /^\d+$/;
my $span = 65536;
for my $top (@paths) {
    my @st = lstat($top) or die "$top: $!\n";
    die "$top: not a directory\n" unless -d _;
    my ($dev, $uid_now, $gid_now) = ($st[0], $st[4], $st[5]);
    my $from_u = $uid_now >= $span ? $uid_now : 0;
    my $from_g = $gid_now >= $span ? $gid_now : 0;
    if ($from_u == $base && $from_g == $base) {
        print "$top kept\n";
        next;
    }
    my $n = 0;
    my $move = sub {
        my ($id, $from) = @_;
        return ($id >= $from && $id < $from + $span) ? $id - $from + $base : $id;
    };
    File::Find::find({ no_chdir => 1, wanted => sub {
        my @s = lstat($_) or return;
        if ($s[0] != $dev) { $File::Find::prune = 1; return; }
        return if $_ eq $top; # last, below: its owner is the mark that the whole disk is done
        my ($u, $g) = ($move->($s[4], $from_u), $move->($s[5], $from_g));
        return if $u == $s[4] && $g == $s[5];
        if (-l _) {
            system('chown', '-h', "$u:$g", '--', $_) == 0 or die "chown -h $_ failed\n";
        } else {
            chown($u, $g, $_) or die "chown $_: $!\n";
            chmod($s[2] & 07777, $_) or die "chmod $_: $!\n"; # chown clears the set-id bits
        }
        $n++;
    }}, $top);
    chown($move->($uid_now, $from_u), $move->($gid_now, $from_g), $top) or die "chown $top: $!\n";
    chmod($st[2] & 07777, $top) or die "chmod $top: $!\n";
    $n++;
    print "$top shifted $n from $from_u\n";
}
