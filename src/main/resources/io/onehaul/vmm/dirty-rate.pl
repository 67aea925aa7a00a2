# How fast a running container writes its memory, read from the kernel's soft-dirty bits; run on the
# source host at pre-flight (perl -e, arguments below). Prints "BYTES SECONDS": the bytes of pages the
# container's processes wrote during SECONDS. Costs the workload nothing but the clearing of its bits.
#   INIT_PID WINDOW_SECONDS
# Needs a kernel with soft-dirty tracking (CONFIG_MEM_SOFT_DIRTY); exits 2 where it has none.
use strict;
use warnings;
no warnings "portable";   # 64-bit addresses in hex: this perl is 64-bit on every supported host

# perl-base has no Time::HiRes: the kernel's clock with 1/100 s, and select() to sleep
sub now {
    open(my $u, "<", "/proc/uptime") or die "no /proc/uptime: $!\n";
    my ($t) = split ' ', scalar <$u>;
    return $t;
}

my ($init, $window) = @ARGV;
die "usage: dirty-rate INIT_PID WINDOW_SECONDS\n" unless defined $window && $init =~ /^\d+$/ && $window > 0;

# The container's processes: init and everything below it.
sub tree {
    my %children;
    opendir(my $proc, "/proc") or die "no /proc: $!\n";
    for my $pid (grep { /^\d+$/ } readdir $proc) {
        open(my $st, "<", "/proc/$pid/stat") or next;
        my $line = <$st>;
        close $st;
        next unless defined $line && $line =~ /\)\s+\S\s+(\d+)/;
        push @{ $children{$1} }, $pid;
    }
    closedir $proc;
    my @all = ($init);
    for (my $i = 0; $i < @all; $i++) {
        push @all, @{ $children{ $all[$i] } || [] };
    }
    return @all;
}

my @pids = tree();
for my $pid (@pids) {
    open(my $c, ">", "/proc/$pid/clear_refs") or next;   # a process may have ended
    print $c "4" or exit 2;
    close $c or exit 2;                                   # EINVAL: no soft-dirty in this kernel
}
my $t0 = now();
select(undef, undef, undef, $window);
my $pages = 0;
for my $pid (@pids) {
    open(my $maps, "<", "/proc/$pid/maps") or next;
    open(my $pm, "<:raw", "/proc/$pid/pagemap") or next;
    while (my $m = <$maps>) {
        my ($from, $to, $perms) = $m =~ /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)/ or next;
        next unless substr($perms, 1, 1) eq "w";
        my ($a, $b) = (hex $from, hex $to);
        next if $b - $a > (1 << 36);                      # no real mapping is this large: a reservation
        sysseek($pm, ($a >> 12) * 8, 0) or next;
        my $left = ($b - $a) >> 12;
        while ($left > 0) {
            my $n = $left > 65536 ? 65536 : $left;
            my $got = sysread($pm, my $buf, $n * 8) or last;
            for my $e (unpack("Q<*", $buf)) {
                # bit 55: soft-dirty; bit 63 present or bit 62 swapped
                $pages++ if ($e >> 55) & 1 && (($e >> 63) & 1 || ($e >> 62) & 1);
            }
            $left -= $got / 8;
        }
    }
    close $pm;
    close $maps;
}
printf "%d %.3f\n", $pages * 4096, now() - $t0;
