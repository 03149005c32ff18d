// Linux interfaces that Swift's Glibc module does not expose because glibc puts
// them behind _GNU_SOURCE: statx(2) with the kernel's own struct statx; and
// glibc's malloc.h.
#ifndef VIGIL_CLINUX_SHIM_H
#define VIGIL_CLINUX_SHIM_H
#include <linux/stat.h>
#include <fcntl.h>
#include <malloc.h>  /* mallinfo2: the allocator's view of this process, for self-reports */

// glibc 2.28+ exports statx; declare it here so the struct from <linux/stat.h> is used.
int statx(int dirfd, const char *pathname, int flags, unsigned int mask, struct statx *statxbuf);

static inline int vigil_statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *out) {
    return statx(dirfd, path, flags, mask, out);
}

#include <sys/syscall.h>
#include <unistd.h>
/* gettid(2): glibc declares it only under _GNU_SOURCE. */
static inline int vigil_gettid(void) { return (int)syscall(SYS_gettid); }

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
/* Forks a child that keeps only the descriptors in keep[] (sorted; wait_fd among
 * them), blocks until wait_fd reads EOF, then exits, releasing what it kept. Returns
 * the child's pid, or -1. Only system calls run in the child: safe after fork in a
 * threaded process. Without close_range (Linux < 5.9) the child keeps everything. */
static inline int vigil_fork_holder(const int *keep, int count, int wait_fd) {
    int pid = fork();
    if (pid != 0) return pid;
    unsigned next = 0;
    for (int i = 0; i < count; i++) {
        unsigned fd = (unsigned)keep[i];
        if (fd > next) syscall(SYS_close_range, next, fd - 1, 0);
        next = fd + 1;
    }
    syscall(SYS_close_range, next, ~0U, 0);
    char byte;
    (void)read(wait_fd, &byte, 1);
    _exit(0);
}
#endif
