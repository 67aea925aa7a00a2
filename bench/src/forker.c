/* Test workload: a fork bomb that stops at its container's pids limit. Forks children that wait until
 * killed, until the kernel refuses a fork (EAGAIN: the pids cgroup is full) or MAX children run; then ends
 * SLACK of them so the container's own init can go on forking, writes "forked N refused ERRNO" to
 * /forker.out and waits. Closes inherited fds (lxc-attach leaks the host's, which CRIU cannot dump).
 *   forker SLACK MAX */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int slack = argc > 1 ? atoi(argv[1]) : 0;
    int max = argc > 2 ? atoi(argv[2]) : 1000;
    if (max < 1 || max > 100000 || slack < 0) return 2;
    for (int fd = 3; fd < 1024; fd++) close(fd);
    pid_t *kids = calloc((size_t)max, sizeof(pid_t));
    if (kids == NULL) return 1;
    int n = 0, refused = 0;
    while (n < max) {
        pid_t p = fork();
        if (p == 0) {
            for (;;) pause();
        }
        if (p < 0) {
            refused = errno;
            break;
        }
        kids[n++] = p;
    }
    int forked = n;
    for (int i = 0; i < slack && n > 0; i++) {
        n--;
        kill(kids[n], SIGKILL);
        waitpid(kids[n], NULL, 0);
    }
    FILE *f = fopen("/forker.out", "w");
    if (f != NULL) {
        fprintf(f, "forked %d refused %d\n", forked, refused);
        fclose(f);
    }
    for (;;) pause();
}
