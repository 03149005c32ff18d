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

#include <grp.h>
/* The filesystem identity of the calling thread only. glibc's setgroups changes every
 * thread of the process (its setxid broadcast); the raw system calls change this one,
 * which is what reading one user's file as that user needs. Each returns what the
 * kernel returns (setfsuid/setfsgid: the previous id). */
static inline int vigil_thread_setfsuid(unsigned uid) { return (int)syscall(SYS_setfsuid, uid); }
static inline int vigil_thread_setfsgid(unsigned gid) { return (int)syscall(SYS_setfsgid, gid); }
static inline int vigil_thread_setgroups(int count, const gid_t *groups) {
    return (int)syscall(SYS_setgroups, (long)count, groups);
}

/* O_PATH (glibc declares it only under _GNU_SOURCE): a descriptor that names a file
 * without opening it for I/O, so a FIFO does not block and no driver's open runs. */
#define VIGIL_O_PATH 0x200000

#include <sys/vfs.h>
/* fstatfs(2)'s f_type (the filesystem's magic number), or -1 with errno set: Swift's
 * Glibc module has no sys/statfs.h. */
static inline long vigil_fstatfs_type(int fd) {
    struct statfs st;
    if (fstatfs(fd, &st) != 0) return -1;
    return (long)st.f_type;
}

#include <sys/prctl.h>
#include <signal.h>
/* prctl(PR_SET_PDEATHSIG, sig): the kernel sends `sig` to this process when the
 * thread that created it exits (prctl is variadic, so Swift cannot call it). */
static inline int vigil_set_parent_death_signal(int sig) { return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0); }

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
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <errno.h>
#include <sys/fanotify.h>
/* fanotify_mark's mask is 64-bit; a plain wrapper keeps the call's types in one place. */
static inline int vigil_fanotify_mark(int fd, unsigned flags, unsigned long long mask, int dirfd, const char *path) {
    return fanotify_mark(fd, flags, mask, dirfd, path);
}

/* pipe2(fds, O_CLOEXEC) (glibc declares pipe2 only under _GNU_SOURCE): both ends
 * close-on-exec from the start, so no other thread's child inherits them. */
static inline int vigil_pipe_cloexec(int fds[2]) { return (int)syscall(SYS_pipe2, fds, O_CLOEXEC); }

#include <linux/landlock.h>
/* Landlock (glibc has no wrappers): a ruleset that handles `handled` file-system
 * accesses, and a rule granting `allowed` beneath the directory open at parent_fd.
 * Each returns what the kernel returns (-1 with errno on failure). */
static inline int vigil_landlock_create_ruleset(unsigned long long handled) {
    struct landlock_ruleset_attr attr = {.handled_access_fs = handled};
    return (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr.handled_access_fs), 0);
}
static inline int vigil_landlock_allow_beneath(int ruleset, unsigned long long allowed, int parent_fd) {
    struct landlock_path_beneath_attr rule = {.allowed_access = allowed, .parent_fd = parent_fd};
    return (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
}

/* Forks the child of a command Vigil starts and watches from its first instruction.
 * The child takes default signal dispositions and an empty mask, installs `filter`
 * (a seccomp program with no_new_privs, or NULL), stops itself (SIGSTOP) so that the
 * caller can register its pid, and once continued execs `path`; with `landlock`
 * (a ruleset descriptor, or -1) the child is restricted by it first (already resolved:
 * no PATH search runs in the child). A step that fails writes its errno (an int) to
 * report_fd, which is close-on-exec: EOF there means the exec succeeded. Only system
 * calls run in the child: safe after fork in a threaded process. */
static inline int vigil_spawn_stopped(const char *path, char *const argv[], char *const envp[],
                                      const struct sock_fprog *filter, int landlock, int report_fd) {
    int pid = fork();
    if (pid != 0) return pid;
    struct sigaction dfl = {0};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < 65; sig++) (void)sigaction(sig, &dfl, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
    int err = 0;
    if ((filter || landlock >= 0) && prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) != 0)
        err = errno;
    if (!err && landlock >= 0 && syscall(SYS_landlock_restrict_self, landlock, 0) != 0)
        err = errno;
    if (!err && filter && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, filter) != 0)
        err = errno;
    /* The command keeps standard input, output and error, not the caller's other
     * descriptors (sockets, maps, logs): closed at its exec (Linux 5.11+; before, kept). */
    if (!err) (void)syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
    if (!err) {
        kill(getpid(), SIGSTOP);
        execve(path, argv, envp);
        err = errno;
    }
    (void)!write(report_fd, &err, sizeof(err));
    _exit(127);
}
#include <spawn.h>
/* posix_spawn_file_actions_addclosefrom_np (glibc 2.34+, declared only under
 * _GNU_SOURCE): the spawned program gets none of the caller's descriptors from `from` on. */
int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
static inline int vigil_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
/* The CPUID instruction for (leaf, subleaf): eax, ebx, ecx, edx in out[0..3]. Returns 0
 * when the leaf is past the CPU's highest (or this is not x86), leaving out zeroed. */
static inline int vigil_cpuid(unsigned leaf, unsigned subleaf, unsigned out[4]) {
    out[0] = out[1] = out[2] = out[3] = 0;
#if defined(__x86_64__) || defined(__i386__)
    if (__get_cpuid_max(leaf & 0x80000000u, 0) < leaf) return 0;
    __cpuid_count(leaf, subleaf, out[0], out[1], out[2], out[3]);
    return 1;
#else
    (void)leaf; (void)subleaf;
    return 0;
#endif
}

#include <resolv.h>
#include <string.h>
/* The resolver's option bits after reading /etc/resolv.conf (res_ninit), as osquery's
 * dns_resolvers.options reports _res.options; 0 when the resolver cannot start. */
static inline unsigned long vigil_resolver_options(void) {
    struct __res_state state;
    memset(&state, 0, sizeof state);
    if (res_ninit(&state) != 0) return 0;
    unsigned long options = state.options;
    res_nclose(&state);
    return options;
}

/* Extended attributes (the extended_attributes table): llistxattr, lgetxattr. */
#include <sys/xattr.h>

/* pidfd_open (glibc 2.36 declares it only in <sys/pidfd.h>, which Swift's Glibc module
 * leaves out): a descriptor that polls readable once the process has exited, so a
 * parent can sleep until its child ends instead of polling waitpid. */
static inline int vigil_pidfd_open(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

#include <sys/eventfd.h>
/* An eventfd, close-on-exec and non-blocking: a signal handler writes to it (write is
 * async-signal-safe), and a loop asleep in poll or epoll wakes. */
static inline int vigil_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

/* Netlink: kernel uevents (NETLINK_KOBJECT_UEVENT) and the audit socket (NETLINK_AUDIT),
   for the hardware and audit event tables. */
#include <linux/netlink.h>
#include <linux/audit.h>
#include <sys/socket.h>
static inline int vigil_netlink_bind(int fd, unsigned groups) {
    struct sockaddr_nl address = { .nl_family = AF_NETLINK, .nl_pid = 0, .nl_groups = groups };
    return bind(fd, (struct sockaddr *)&address, sizeof(address));
}

#endif
