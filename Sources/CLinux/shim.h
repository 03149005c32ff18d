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

#endif
