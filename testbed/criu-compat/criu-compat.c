/* LD_PRELOAD for CRIU 4.1.1 on Linux >= 6.16: SO_PASSCRED/SO_PASSSEC exist only on AF_UNIX/NETLINK
 * sockets there; the kernel answers EOPNOTSUPP for others and CRIU 4.1.1 fails the dump. Report
 * "off" instead, which is the truth (upstream fix: criu PR #2719, in CRIU 4.2). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	static int (*real)(int, int, int, void *, socklen_t *);
	if (!real)
		real = (int (*)(int, int, int, void *, socklen_t *))dlsym(RTLD_NEXT, "getsockopt");
	int ret = real(fd, level, name, val, len);
	if (ret < 0 && errno == EOPNOTSUPP && level == SOL_SOCKET && (name == SO_PASSCRED || name == SO_PASSSEC)
	    && val && len && *len >= sizeof(int)) {
		memset(val, 0, sizeof(int));
		*len = sizeof(int);
		return 0;
	}
	return ret;
}

/* Root on these VMs lacks CAP_SYS_RESOURCE, and reading the rlimits of a process of another user
 * needs it (prlimit: EPERM, CRIU: "Can't get rlimit 0"). /proc/PID/limits says the same to anyone. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>

static int limits_from_proc(pid_t pid, int res, struct rlimit64 *old)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int i = -1, found = -1;
	while (fgets(line, sizeof(line), f)) {
		if (i++ < 0)
			continue; /* header */
		if (i - 1 != res)
			continue;
		char *p = line + 26; /* "Limit" column is 26 wide */
		char soft[32], hard[32];
		if (sscanf(p, "%31s %31s", soft, hard) == 2) {
			old->rlim_cur = strcmp(soft, "unlimited") ? strtoull(soft, NULL, 10) : RLIM64_INFINITY;
			old->rlim_max = strcmp(hard, "unlimited") ? strtoull(hard, NULL, 10) : RLIM64_INFINITY;
			found = 0;
		}
		break;
	}
	fclose(f);
	return found;
}

int prlimit64(pid_t pid, enum __rlimit_resource res, const struct rlimit64 *new, struct rlimit64 *old)
{
	static int (*real)(pid_t, enum __rlimit_resource, const struct rlimit64 *, struct rlimit64 *);
	if (!real)
		real = (int (*)(pid_t, enum __rlimit_resource, const struct rlimit64 *, struct rlimit64 *))dlsym(RTLD_NEXT, "prlimit64");
	int ret = real(pid, res, new, old);
	if (ret < 0 && errno == EPERM && pid > 0 && new == NULL && old != NULL && limits_from_proc(pid, res, old) == 0)
		return 0;
	return ret;
}

#include <stdarg.h>
#include <sys/syscall.h>

/* CRIU 4.1.1 reads rlimits with syscall(__NR_prlimit64, ...), not the libc wrapper. */
long syscall(long nr, ...)
{
	static long (*real)(long, ...);
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	va_list ap;
	va_start(ap, nr);
	long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
	long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
	va_end(ap);
	if (nr == __NR_prlimit64)
		return prlimit64((pid_t)a1, (enum __rlimit_resource)a2, (const struct rlimit64 *)a3, (struct rlimit64 *)a4);
	return real(nr, a1, a2, a3, a4, a5, a6);
}

int prlimit(pid_t pid, enum __rlimit_resource res, const struct rlimit *new, struct rlimit *old)
{
	return prlimit64(pid, res, (const struct rlimit64 *)new, (struct rlimit64 *)old);
}
