/* Bench helper: keeps N MiB of private anonymous memory touched, as a container workload whose
 * memory CRIU must move. Closes inherited fds (lxc-attach leaks the host's /dev/null, which CRIU
 * cannot dump) and checks its pages every 0.2 s, writing a line to /memstat if one is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 16;
    for (int fd = 3; fd < 1024; fd++) close(fd);
    size_t len = mib << 20, page = 4096;
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return 1;
    for (size_t i = 0; i < len; i += page) { m[i] = (unsigned char)(i / page); m[i + page - 1] = 0x5a; }
    for (unsigned long iter = 0;; iter++) {
        for (size_t i = 0; i < len; i += page) {
            if (m[i] != (unsigned char)(i / page) || m[i + page - 1] != 0x5a) {
                FILE *f = fopen("/memstat", "a");
                if (f) { fprintf(f, "iter %lu bad page %zu\n", iter, i / page); fclose(f); }
                break;
            }
        }
        usleep(200000);
    }
}
