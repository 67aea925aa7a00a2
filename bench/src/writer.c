/* Bench workload (issue 8): a container process whose memory a migration must move intact and whose
 * pauses the benchmark measures from the inside.
 *
 *   writer MIB PERCENT [full]      gcc -O2 -static -pthread -o writer writer.c
 *
 * MIB of private anonymous memory, every 4 KiB page filled with a pattern derived from its index and
 * a per-page version counter (kept in a separate array). Three threads:
 *   A heartbeat: every 10 ms reads CLOCK_REALTIME and keeps the largest gap between consecutive
 *     beats, counting only from 1 s after the memory was filled (so start-up does not count);
 *   B every 100 ms: bumps the version of PERCENT % of the pages (distinct pages, random spread) and
 *     rewrites them whole, then re-verifies EVERY page against its expected pattern. A wrong or
 *     zeroed page adds 1 to the error counter (once per page per round). PERCENT 0 = idle: nothing
 *     is written, every page is still verified every round. Per page B checks the first and last
 *     word and two words whose position moves every round (so every word is checked over 256
 *     rounds); with the optional third argument "full" it checks all 512 words (one core's worth of
 *     memory bandwidth at 1 GiB: that disturbs what is measured, so it is not the default). A page
 *     that CRIU lost (zero), moved, or brought back from an older dump differs in every word. The
 *     sum of all versions is also kept in a counter of its own and checked every round (one error
 *     per round if they differ), so that version array pages brought back from an older dump
 *     together with their data pages are caught too.
 *   C every 100 ms writes, atomically (tmp + rename), the status file (default /workload.stat):
 *     ready <0|1> rounds <n> errors <n> maxgap_ms <float> lastbeat <epoch.ns>
 *     ready 1 = memory filled and gap counting armed; rounds = verification rounds done.
 *     The first bad pages (at most 64 lines) are also appended to <status file>.bad.
 * Signals: SIGHUP resets maxgap to 0 (the bench sends it right before a migration); SIGUSR1 zeroes
 * one page, SIGUSR2 puts one page back to its previous version, SIGWINCH puts one page and its
 * version entry back one step (only the version sum can see that): self-tests of the checker, errors
 * must then grow; SIGTERM/SIGINT exit.
 *   D (only with WRITER_DISK_MIB=N > 0) every 100 ms: rewrites the next 256 KiB block of an N MiB file
 *     (WRITER_DISK_FILE, default /disk-writer.dat, on the container's root disk) with a pattern of the
 *     block's index and version (pwrite, no sync: a migration must carry what sits in the page cache
 *     too), cycling through the file, then reads the whole file back and checks every block against
 *     the version in memory. A block that a migration lost or brought back older adds 1 to the error
 *     counter. So the disk's delta since the pre-sync stays at most N MiB whatever the image's size.
 * Environment: WRITER_STAT overrides the status file path (for a test outside a container).
 *   WRITER_ON_DEMAND=1: B runs a round (dirty + verify) only when it gets SIGALRM, not every 100 ms: a
 *     service that holds its memory but does not sweep all of it ten times a second (post-copy over a
 *     WAN pulls a page per round trip when the workload itself demands them all in order).
 * Like memhog, closes inherited fds 3..1023 itself (lxc-attach leaks the host's /dev/null, which CRIU
 * cannot dump); start it with setsid from lxc-attach, std fds on /dev/null. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define WORDS (PAGE / 8u)
#define BEAT_NS 10000000ull
#define ROUND_NS 100000000ull
#define ARM_AFTER_NS 1000000000ull
#define MAX_BAD_LINES 64

static uint64_t *mem;            /* npages * WORDS words */
static uint32_t *ver;            /* version of each page, separate from the pages */
static size_t npages;
static unsigned percent;
static int full_check;
static const char *stat_path = "/workload.stat";

static atomic_int ready;
static atomic_ullong rounds, errors, maxgap_ns, lastbeat_ns, armed_at_ns;
static atomic_int reset_gap, corrupt_zero, corrupt_stale, corrupt_rewind, stop;
static int bad_lines;
static uint64_t ver_total;       /* sum of ver[], kept apart from the array (B only) */

static uint64_t now_ns(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Sleep until `due` on CLOCK_MONOTONIC, but never longer than `max` from now (a restore on another
 * machine may move the monotonic clock). */
static void sleep_until(uint64_t due, uint64_t max) {
    uint64_t now = now_ns(CLOCK_MONOTONIC);
    if (due <= now) return;
    uint64_t d = due - now;
    if (d > max) d = max;
    struct timespec t = { (time_t)(d / 1000000000ull), (long)(d % 1000000000ull) };
    while (nanosleep(&t, &t) == -1 && errno == EINTR && !atomic_load(&stop)) {}
}

static inline uint64_t mix(uint64_t x) { /* splitmix64 finaliser */
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
static inline uint64_t page_base(size_t i, uint32_t v) {
    return mix(((uint64_t)i << 32 | v) ^ 0x6f6e656861756c21ull);   /* "onehaul!" */
}
/* Word j of page i at version v; bit 0 always set, so a zeroed page never matches. */
static inline uint64_t expected(uint64_t base, unsigned j) { return (base + j * 0x9e3779b97f4a7c15ull) | 1u; }

static void fill_page(size_t i, uint32_t v) {
    uint64_t *p = mem + i * WORDS, b = page_base(i, v);
    for (unsigned j = 0; j < WORDS; j++) p[j] = expected(b, j);
}

static int page_ok(size_t i, unsigned roll) {
    const uint64_t *p = mem + i * WORDS;
    uint64_t b = page_base(i, ver[i]);
    if (full_check) {
        for (unsigned j = 0; j < WORDS; j++) if (p[j] != expected(b, j)) return 0;
        return 1;
    }
    unsigned j1 = 1 + (roll + (unsigned)i) % (WORDS - 2), j2 = 1 + (roll * 7 + 255 + (unsigned)i) % (WORDS - 2);
    return p[0] == expected(b, 0) && p[WORDS - 1] == expected(b, WORDS - 1)
        && p[j1] == expected(b, j1) && p[j2] == expected(b, j2);
}

static void note_bad(unsigned long long round, size_t i) {
    if (bad_lines >= MAX_BAD_LINES) return;
    bad_lines++;
    char path[4200];
    snprintf(path, sizeof path, "%s.bad", stat_path);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    char line[160];
    const uint64_t *p = mem + i * WORDS;
    int n = snprintf(line, sizeof line, "round %llu page %zu version %u word0 %016llx expected %016llx\n", round, i,
                     ver[i], (unsigned long long)p[0], (unsigned long long)expected(page_base(i, ver[i]), 0));
    if (write(fd, line, (size_t)n) < 0) {}
    close(fd);
}

static void note_sum(unsigned long long round, uint64_t sum) {
    if (bad_lines >= MAX_BAD_LINES) return;
    bad_lines++;
    char path[4200], line[160];
    snprintf(path, sizeof path, "%s.bad", stat_path);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    int n = snprintf(line, sizeof line, "round %llu version sum %llu expected %llu\n", round,
                     (unsigned long long)sum, (unsigned long long)ver_total);
    if (write(fd, line, (size_t)n) < 0) {}
    close(fd);
}

static void *heartbeat(void *arg) {
    (void)arg;
    uint64_t prev = 0;
    while (!atomic_load(&stop)) {
        uint64_t t = now_ns(CLOCK_REALTIME);
        if (atomic_exchange(&reset_gap, 0)) atomic_store(&maxgap_ns, 0);
        uint64_t armed = atomic_load(&armed_at_ns);
        if (armed && prev >= armed && t > prev && t - prev > atomic_load(&maxgap_ns)) atomic_store(&maxgap_ns, t - prev);
        if (armed && !atomic_load(&ready) && t >= armed) atomic_store(&ready, 1);
        prev = t;
        atomic_store(&lastbeat_ns, t);
        struct timespec d = { 0, (long)BEAT_NS };
        nanosleep(&d, NULL);
    }
    return NULL;
}

static void *status_writer(void *arg) {
    (void)arg;
    char tmp[4200], line[256];
    snprintf(tmp, sizeof tmp, "%s.tmp", stat_path);
    uint64_t due = now_ns(CLOCK_MONOTONIC);
    while (!atomic_load(&stop)) {
        uint64_t lb = atomic_load(&lastbeat_ns);
        int n = snprintf(line, sizeof line, "ready %d rounds %llu errors %llu maxgap_ms %.3f lastbeat %llu.%09llu\n",
                         atomic_load(&ready), atomic_load(&rounds), atomic_load(&errors),
                         atomic_load(&maxgap_ns) / 1e6, lb / 1000000000ull, lb % 1000000000ull);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            ssize_t w = write(fd, line, (size_t)n);
            close(fd);
            if (w == n) rename(tmp, stat_path);
        }
        due += ROUND_NS;
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        if (due < now) due = now;
        sleep_until(due, ROUND_NS);
    }
    return NULL;
}

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t next_rand(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }
static size_t gcd(size_t a, size_t b) { while (b) { size_t t = a % b; a = b; b = t; } return a; }

static atomic_int rounds_asked;
static int on_demand;

/* With WRITER_ON_DEMAND: waits for a SIGALRM (10 ms polls: the heartbeat's own resolution). */
static void await_round(void) {
    struct timespec t = { 0, 10000000L };
    while (!atomic_load(&stop)) {
        int n = atomic_load(&rounds_asked);
        if (n > 0 && atomic_compare_exchange_weak(&rounds_asked, &n, n - 1)) return;
        nanosleep(&t, NULL);
    }
}

/* B: dirty PERCENT % of the pages, then verify all of them. */
static void *dirtier(void *arg) {
    (void)arg;
    size_t per_round = (size_t)((unsigned long long)npages * percent / 100);
    if (percent > 0 && per_round == 0) per_round = 1;
    uint64_t due = now_ns(CLOCK_MONOTONIC);
    for (unsigned long long r = 1; !atomic_load(&stop); r++) {
        if (on_demand) {
            await_round();
            if (atomic_load(&stop)) break;
        }
        /* Distinct pages: start + k * stride (mod npages) with stride coprime to npages. */
        if (per_round) {
            size_t start = next_rand() % npages, stride = 1 + next_rand() % npages;
            while (gcd(stride, npages) != 1) stride = stride % npages + 1;
            size_t i = start;
            for (size_t k = 0; k < per_round; k++) {
                fill_page(i, ++ver[i]);
                ver_total++;
                i = (i + stride) % npages;
            }
        }
        /* Self-test hooks: corrupt one page the way a broken migration would. */
        if (atomic_exchange(&corrupt_zero, 0)) memset(mem + (next_rand() % npages) * WORDS, 0, PAGE);
        if (atomic_exchange(&corrupt_stale, 0)) { size_t i = next_rand() % npages; fill_page(i, ver[i] - 1); }
        if (atomic_exchange(&corrupt_rewind, 0)) { /* page and its version entry both one step back */
            size_t i = next_rand() % npages;
            if (ver[i] == 0) fill_page(i, ++ver[i]), ver_total++;
            fill_page(i, --ver[i]);
        }
        unsigned long long bad = 0;
        unsigned roll = (unsigned)r * 131u;
        uint64_t sum = 0;
        for (size_t i = 0; i < npages; i++) {
            sum += ver[i];
            if (!page_ok(i, roll)) { bad++; note_bad(r, i); }
        }
        if (sum != ver_total) { bad++; note_sum(r, sum); }
        if (bad) atomic_fetch_add(&errors, bad);
        atomic_fetch_add(&rounds, 1);
        due += ROUND_NS;
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        if (due < now) due = now;
        sleep_until(due, ROUND_NS);
    }
    return NULL;
}

#define DISK_BLOCK (256u * 1024u)
static const char *disk_path = "/disk-writer.dat";
static size_t disk_blocks;
static uint32_t *disk_ver;

static void disk_fill(uint64_t *buf, size_t block, uint32_t v) {
    uint64_t b = page_base(block, v) ^ 0x6469736bull;   /* "disk" */
    for (unsigned j = 0; j < DISK_BLOCK / 8; j++) buf[j] = expected(b, j);
}

/* D: rewrite one block of the disk file per round, then verify the whole file against disk_ver. */
static void *disk_writer(void *arg) {
    (void)arg;
    uint64_t *buf = malloc(DISK_BLOCK), *want = malloc(DISK_BLOCK);
    int fd = open(disk_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (!buf || !want || fd < 0) { atomic_fetch_add(&errors, 1); return NULL; }
    for (size_t k = 0; k < disk_blocks; k++) {
        disk_fill(buf, k, 0);
        if (pwrite(fd, buf, DISK_BLOCK, (off_t)(k * DISK_BLOCK)) != (ssize_t)DISK_BLOCK) atomic_fetch_add(&errors, 1);
    }
    uint64_t due = now_ns(CLOCK_MONOTONIC);
    for (size_t next = 0; !atomic_load(&stop); next = (next + 1) % disk_blocks) {
        disk_fill(buf, next, ++disk_ver[next]);
        if (pwrite(fd, buf, DISK_BLOCK, (off_t)(next * DISK_BLOCK)) != (ssize_t)DISK_BLOCK) atomic_fetch_add(&errors, 1);
        unsigned long long bad = 0;
        for (size_t k = 0; k < disk_blocks; k++) {
            disk_fill(want, k, disk_ver[k]);
            if (pread(fd, buf, DISK_BLOCK, (off_t)(k * DISK_BLOCK)) != (ssize_t)DISK_BLOCK
                || memcmp(buf, want, DISK_BLOCK) != 0) bad++;
        }
        if (bad) atomic_fetch_add(&errors, bad);
        due += ROUND_NS;
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        if (due < now) due = now;
        sleep_until(due, ROUND_NS);
    }
    return NULL;
}

static void on_signal(int s) {
    if (s == SIGALRM) atomic_fetch_add(&rounds_asked, 1);
    else if (s == SIGHUP) atomic_store(&reset_gap, 1);
    else if (s == SIGUSR1) atomic_store(&corrupt_zero, 1);
    else if (s == SIGUSR2) atomic_store(&corrupt_stale, 1);
    else if (s == SIGWINCH) atomic_store(&corrupt_rewind, 1);
    else atomic_store(&stop, 1);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s MIB PERCENT [full]\n", argv[0]);
        return 2;
    }
    for (int fd = 3; fd < 1024; fd++) close(fd);
    size_t mib = strtoul(argv[1], NULL, 10);
    percent = (unsigned)strtoul(argv[2], NULL, 10);
    full_check = argc > 3 && strcmp(argv[3], "full") == 0;
    if (getenv("WRITER_STAT") && *getenv("WRITER_STAT")) stat_path = getenv("WRITER_STAT");
    on_demand = getenv("WRITER_ON_DEMAND") && strcmp(getenv("WRITER_ON_DEMAND"), "1") == 0;
    if (getenv("WRITER_DISK_FILE") && *getenv("WRITER_DISK_FILE")) disk_path = getenv("WRITER_DISK_FILE");
    disk_blocks = getenv("WRITER_DISK_MIB") ? strtoul(getenv("WRITER_DISK_MIB"), NULL, 10) * (1u << 20) / DISK_BLOCK : 0;
    disk_ver = calloc(disk_blocks + 1, sizeof *disk_ver);
    if (mib == 0 || percent > 100) {
        fprintf(stderr, "writer: MIB must be > 0 and PERCENT 0..100\n");
        return 2;
    }
    npages = (mib << 20) / PAGE;
    mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ver = calloc(npages, sizeof *ver);
    if (mem == MAP_FAILED || !ver) { perror("writer: memory"); return 1; }
    rng ^= now_ns(CLOCK_REALTIME);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &sa, NULL); sigaction(SIGUSR1, &sa, NULL); sigaction(SIGUSR2, &sa, NULL); sigaction(SIGWINCH, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL); sigaction(SIGINT, &sa, NULL); sigaction(SIGALRM, &sa, NULL);
    /* Only the main thread takes the signals; the workers block them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_t a, b, c, d;
    if (pthread_create(&a, NULL, heartbeat, NULL) || pthread_create(&c, NULL, status_writer, NULL)) return 1;

    for (size_t i = 0; i < npages; i++) fill_page(i, 0);
    atomic_store(&armed_at_ns, now_ns(CLOCK_REALTIME) + ARM_AFTER_NS);

    if (pthread_create(&b, NULL, dirtier, NULL)) return 1;
    if (disk_blocks && pthread_create(&d, NULL, disk_writer, NULL)) return 1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    while (!atomic_load(&stop)) pause();
    pthread_join(b, NULL);
    pthread_join(a, NULL);
    pthread_join(c, NULL);
    if (disk_blocks) pthread_join(d, NULL);
    return 0;
}
