#!/usr/bin/perl
# OneHaul post-copy guard (io.onehaul.criu.LazyPages sends it): holds duplicates of the lazy-pages
# daemon's userfaultfds so that its death can never turn missing pages into zero pages, and
# kills the container before letting them go unless every page arrived.
use strict; use warnings; use POSIX ();
# pidfd_open and pidfd_getfd: the same numbers on every Linux architecture (asm-generic table)
use constant { SYS_PIDFD_OPEN => 434, SYS_PIDFD_GETFD => 438 };
# how often (seconds) it looks for new userfaultfds: a fork in the container brings one
use constant GRAB_INTERVAL => 0.01;
# argv: status file, the command that kills the container, the daemon's command line. Exit 0 in every
# case; the outcome is in the status file.
my ($status, $kill, $daemon) = @ARGV;
sub done { my ($s) = @_; open(my $f, '>', "$status.tmp") or die; print $f "$s\n"; close $f;
           rename("$status.tmp", $status); }
my $pid = fork() // do { done("lost cannot fork the lazy-pages daemon: $!"); exit 0 };
if ($pid == 0) { exec('/bin/sh', '-c', "exec $daemon") or POSIX::_exit(127); }
my $pidfd = syscall(SYS_PIDFD_OPEN, $pid, 0);
# kcmp(2): whether the daemon's fd n is still the file we hold (its number is per architecture)
my %KCMP = (x86_64 => 312, aarch64 => 272, riscv64 => 272, ppc64le => 354, s390x => 343);
my $kcmp = $KCMP{(POSIX::uname())[4]} // 272;
my %held;
# The daemon runs on, not exiting (PF_EXITING 0x4 is set before a dying task closes its files).
sub daemon_running {
    open(my $f, '<', "/proc/$pid/stat") or return 0;
    my $st = <$f> // return 0; close $f;
    my @f = split(/ /, substr($st, rindex($st, ')') + 2));
    return $f[0] !~ /[ZXx]/ && !($f[6] & 4);
}
sub grab {
    return if $pidfd < 0;
    # let go of what the daemon let go of (a task of the container ended): a file still open
    # here would stay in the daemon's epoll set and keep waking it for a descriptor it closed.
    # Never while the daemon is dying: its files are closing then, and ours must stay open.
    return unless daemon_running();
    for my $n (keys %held) {
        if (!-e "/proc/$pid/fd/$n" || syscall($kcmp, $pid, $$, 0, $n + 0, $held{$n}) != 0) {
            next unless daemon_running();
            POSIX::close($held{$n}); delete $held{$n};
        }
    }
    opendir(my $d, "/proc/$pid/fd") or return;
    for my $n (readdir $d) {
        next unless $n =~ /^\d+$/ && !exists $held{$n};
        my $t = readlink("/proc/$pid/fd/$n") // next;
        next unless $t =~ /userfaultfd/;
        my $fd = syscall(SYS_PIDFD_GETFD, $pidfd, $n + 0, 0);
        $held{$n} = $fd if $fd >= 0;
    }
}
my $tick = 0;
while (1) {
    # progress for the driver: the bytes the daemon has read (pages, and their requests'
    # answers). Not its CPU time: a daemon whose peer is gone can spin without reading a byte.
    if ($tick++ % 25 == 0 && open(my $io, '<', "/proc/$pid/io")) {
        my ($rc) = map { /^rchar: (\d+)/ ? $1 : () } <$io>; close $io;
        if (defined $rc && open(my $p, '>', "$status.progress.tmp")) {
            print $p "$rc\n"; close $p; rename("$status.progress.tmp", "$status.progress");
        }
    }
    grab();
    my $w = waitpid($pid, POSIX::WNOHANG());
    if ($w == $pid) {
        my $code = $? >> 8; my $sig = $? & 127;
        if ($code == 0 && $sig == 0) { POSIX::close($_) for values %held; done("complete"); exit 0; }
        if (-e "$status.keep") {
            # the driver could not reach the source: keep the (frozen) copy and its
            # descriptors until the mark goes, whoever then decides
            done("held the lazy-pages daemon ended " . ($sig ? "by signal $sig" : "with code $code")
                 . " before every page arrived; the destination copy is kept frozen");
            select(undef, undef, undef, 0.2) while -e "$status.keep";
        }
        system('/bin/sh', '-c', $kill);
        POSIX::close($_) for values %held;
        done("lost the lazy-pages daemon ended " . ($sig ? "by signal $sig" : "with code $code")
             . " before every page arrived; the destination copy was killed ("
             . scalar(keys %held) . " userfaultfd(s) held)");
        exit 0;
    }
    select(undef, undef, undef, GRAB_INTERVAL);
}
