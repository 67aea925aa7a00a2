/*
 * delayline: the test bed's WAN link. Forwards IP packets between two TUN devices, each one
 * DELAY_MS after it arrived, so a round trip over the link takes 2 x DELAY_MS more (this kernel has
 * no netem). Rate limits are tbf's job, on the devices' egress (`testbed.sh link`).
 *
 *   delayline DELAY_MS DEV_A NETNS_B DEV_B
 *
 * DEV_A is a TUN device (made with `ip tuntap add ... mode tun`) in the caller's network namespace,
 * DEV_B one in the namespace whose file is NETNS_B (e.g. /run/netns/ohtb-h3). The devices are
 * persistent: when this process dies the link is down, not gone, and the next `up` notices.
 *
 * Packets wait in a FIFO per direction; a full FIFO drops what arrives, as a router's queue does.
 * One thread, ppoll until the next packet is due or one arrives: no busy waiting.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define SLOT_BYTES 2048   /* TUN without GSO hands whole packets of at most the MTU (1500) */
#define SLOTS 16384       /* per direction: 200 ms at 1 Gbit/s of full-size packets */

struct slot { int64_t due_ns; uint16_t len; unsigned char data[SLOT_BYTES]; };
struct fifo { struct slot *s; unsigned head, tail; uint64_t dropped; };

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int open_tun(const char *name) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) { perror("delayline: /dev/net/tun"); exit(1); }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        fprintf(stderr, "delayline: attaching to %s: %s\n", name, strerror(errno));
        exit(1);
    }
    return fd;
}

/* Reads every packet waiting on fd into f, stamped with when it may leave. */
static void take(int fd, struct fifo *f, int64_t delay_ns) {
    for (;;) {
        struct slot *s = &f->s[f->tail % SLOTS];
        unsigned char spill[SLOT_BYTES];
        int full = f->tail - f->head == SLOTS;
        ssize_t n = read(fd, full ? spill : s->data, SLOT_BYTES);
        if (n <= 0) return;  /* EAGAIN: nothing more now */
        if (full) { f->dropped++; continue; }
        s->len = (uint16_t)n;
        s->due_ns = now_ns() + delay_ns;
        f->tail++;
    }
}

/* Writes the packets whose time has come; returns when the next one is due (or -1: none waits). */
static int64_t give(int fd, struct fifo *f, int64_t now) {
    while (f->head != f->tail) {
        struct slot *s = &f->s[f->head % SLOTS];
        if (s->due_ns > now) return s->due_ns;
        if (write(fd, s->data, s->len) < 0 && errno == EAGAIN) return now + 100000; /* retry in 0.1 ms */
        f->head++;
    }
    return -1;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: delayline DELAY_MS DEV_A NETNS_B DEV_B\n");
        return 2;
    }
    long delay_ms = strtol(argv[1], NULL, 10);
    if (delay_ms < 0 || delay_ms > 10000) { fprintf(stderr, "delayline: DELAY_MS must be 0..10000\n"); return 2; }
    int64_t delay_ns = (int64_t)delay_ms * 1000000;
    signal(SIGPIPE, SIG_IGN);
    /* A daemon must not hold its starter's files: a bench's lock (fd 8) held by this process made the
     * next bench believe another one still ran. */
    for (int fd = 3; fd < 1024; fd++) close(fd);

    int a = open_tun(argv[2]);
    int ns = open(argv[3], O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
        fprintf(stderr, "delayline: entering %s: %s\n", argv[3], strerror(errno));
        return 1;
    }
    int b = open_tun(argv[4]);   /* the TUN fd stays bound to the device of the namespace it was opened in */

    struct fifo ab = { calloc(SLOTS, sizeof(struct slot)), 0, 0, 0 };
    struct fifo ba = { calloc(SLOTS, sizeof(struct slot)), 0, 0, 0 };
    if (!ab.s || !ba.s) { fprintf(stderr, "delayline: out of memory\n"); return 1; }
    fprintf(stderr, "delayline: %s <-> %s, %ld ms each way\n", argv[2], argv[4], delay_ms);

    struct pollfd p[2] = { { a, POLLIN, 0 }, { b, POLLIN, 0 } };
    for (;;) {
        int64_t now = now_ns();
        int64_t next_ab = give(b, &ab, now), next_ba = give(a, &ba, now);
        int64_t next = next_ab < 0 ? next_ba : (next_ba < 0 || next_ab < next_ba ? next_ab : next_ba);
        struct timespec wait, *w = NULL;
        if (next >= 0) {
            int64_t d = next - now_ns();
            if (d < 0) d = 0;
            wait.tv_sec = d / 1000000000;
            wait.tv_nsec = d % 1000000000;
            w = &wait;
        }
        if (ppoll(p, 2, w, NULL) < 0 && errno != EINTR) { perror("delayline: ppoll"); return 1; }
        if (p[0].revents & POLLIN) take(a, &ab, delay_ns);
        if (p[1].revents & POLLIN) take(b, &ba, delay_ns);
        if ((p[0].revents | p[1].revents) & (POLLERR | POLLHUP | POLLNVAL)) {
            fprintf(stderr, "delayline: a device went away\n");
            return 1;
        }
    }
}
