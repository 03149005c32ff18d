/* Syscall and file sensors: one program pair attached to the syscalls:sys_enter_NAME
 * and sys_exit_NAME events of every traced syscall, with each syscall's settings in
 * an array indexed by its number. Per-syscall events rather than the raw
 * sys_enter/sys_exit tracepoints: a raw program runs for every syscall of every
 * task, so untraced syscalls (most of a host's) would pay for it (a getppid loop
 * ran 17-55% slower, against 3-19% here), and on an open+close loop the two cost
 * the same. The kernel's syscall events skip 32-bit (compat) calls. A call is
 * emitted once, at exit, with its return value; user memory is read then, after
 * the kernel has used it. Most syscalls need no entry program: their arguments
 * are still in the task's saved registers at exit, and the entry hook was a third
 * of the cost a traced call paid. It is attached only for what must happen at
 * entry (kill rules, durations) or for calls that replace the registers; those
 * save their arguments per thread in task storage. Which arguments are strings, buffers or
 * socket addresses comes from the kernel's tracepoint formats, read by user space
 * into the `syscalls` map, so a new syscall needs no code here. */
#include "syscall_event.h"

/* What syscalls:sys_enter_* and sys_exit_* programs receive: 8 bytes programs may
 * not read, the syscall number, then the arguments or the return value. */
struct syscall_enter_args {
    __u64 common;
    __s32 nr;
    __s32 padding;
    __u64 args[VIGIL_SYSCALL_ARGS];
};

struct syscall_exit_args {
    __u64 common;
    __s32 nr;
    __s32 padding;
    __s64 ret;
};

/* Traced syscalls by number (an array: no hashing on every call). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, VIGIL_SYSCALL_NR_MAX);
    __type(key, __u32);
    __type(value, struct vigil_syscall_config);
} syscalls SEC(".maps");

/* A syscall in progress: what its entry saw. */
struct saved_call {
    __u32 nr;
    __u32 flags;             /* VIGIL_CALL_* */
    __u64 start_ns;
    __u64 args[VIGIL_SYSCALL_ARGS];
};
#define VIGIL_CALL_ACTIVE 1  /* entered, not yet reported */
#define VIGIL_CALL_KILLED 2  /* a kill rule sent SIGKILL at entry */

/* The call in progress of each thread, in task-local storage: no hashing, no
 * deletes, and freed by the kernel with the thread. */
struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct saved_call);
} calls SEC(".maps");

/* Regular files opened for writing under a watched prefix, with when a change
 * to each was last reported (0: not since it was opened). LRU: a host writing
 * more files than this forgets the oldest, not the newest. */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 65536);
    __type(key, struct inode_key);
    __type(value, __u64);
} watched_inodes SEC(".maps");

#define VIGIL_REPORT_EVERY_NS 1000000000ULL

/* Where a record is assembled before it is copied to the ring buffer (its size varies). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct vigil_syscall_event);
} syscall_space SEC(".maps");

/* The argument kill rules look at, read at entry. */
struct kill_scratch {
    char value[VIGIL_KILL_VALUE_LEN + 1];
};
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct kill_scratch);
} kill_space SEC(".maps");

/* Argument i of args, for an index the verifier cannot see as a constant. */
static __always_inline __u64 arg_at(const __u64 *args, __u8 i)
{
    __u64 v = 0;
#pragma unroll
    for (int j = 0; j < VIGIL_SYSCALL_ARGS; j++)
        if (j == i)
            v = args[j];
    return v;
}

#define SIGKILL 9

/* Kill rules run at entry, before the syscall does anything: SIGKILL from here is
 * delivered before the task returns to user space, so it never uses the result. */
static __always_inline __u32 apply_kill_rules(__u32 nr, struct vigil_syscall_config *c, const __u64 *args,
                                              struct task_struct *task)
{
    __u32 zero = 0;
    struct kill_scratch *k = bpf_map_lookup_elem(&kill_space, &zero);
    if (!k)
        return 0;
    k->value[0] = 0;
    __u8 arg = c->kill_arg;
    if (arg < VIGIL_SYSCALL_ARGS)
        bpf_probe_read_user_str(k->value, sizeof(k->value), (const void *)arg_at(args, arg));
    __u32 uid = (__u32)bpf_get_current_uid_gid();
    char comm[VIGIL_COMM_LEN];
    bpf_get_current_comm(comm, sizeof(comm));
#pragma unroll
    for (int i = 0; i < VIGIL_KILL_RULES; i++) {
        if (i >= vigil_config.kill_rules)
            break;
        if (vigil_config.kill[i].syscall_nr != nr)
            continue;
        if (vigil_config.kill[i].match_uid && vigil_config.kill[i].uid != uid)
            continue;
        if (vigil_config.kill[i].match_comm &&
            bpf_strncmp(comm, sizeof(comm), (const char *)vigil_config.kill[i].comm) != 0)
            continue;
        __u32 n = vigil_config.kill[i].value_len;
        if (n) {
            /* prefix: the first n bytes; equal: also the NUL after them. */
            __u32 size = vigil_config.kill[i].prefix ? n : n + 1;
            if (bpf_strncmp(k->value, size,
                            (const char *)vigil_config.kill[i].value) != 0)
                continue;
        }
        bpf_send_signal(SIGKILL);
        return 1;
    }
    return 0;
}

SEC("tracepoint")
int syscall_enter(struct syscall_enter_args *ctx)
{
    __u32 nr = ctx->nr;
    struct vigil_syscall_config *c = bpf_map_lookup_elem(&syscalls, &nr);
    if (!c || !c->traced)
        return 0;
    struct task_struct *task = bpf_get_current_task_btf();
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    if (!task_wanted(tgid, task))
        return 0;
    /* Through a probe: a direct load of args[5] would make the kernel refuse to
     * attach this program to syscalls with fewer arguments (max_ctx_offset). Bytes
     * past a shorter record are never used. */
    __u64 args[VIGIL_SYSCALL_ARGS];
    bpf_probe_read_kernel(args, sizeof(args), &ctx->args);
    /* The cheap file integrity filters come first: most opens are reads, and most
     * writes are to files nobody watches. */
    if (c->flags_arg < VIGIL_SYSCALL_ARGS && !(arg_at(args, c->flags_arg) & c->flags_mask))
        return 0;
    if (c->watch == VIGIL_WATCH_MARKED) {
        struct inode_key key = {};
        struct file_facts file;
        if (c->fd_arg >= VIGIL_SYSCALL_ARGS || !read_file(fd_file(task, arg_at(args, c->fd_arg)), &file, false) ||
            !inode_key_of(file.inode, &key))
            return 0;
        __u64 *reported = bpf_map_lookup_elem(&watched_inodes, &key);
        if (!reported)
            return 0;
        if (*reported && bpf_ktime_get_boot_ns() - *reported < VIGIL_REPORT_EVERY_NS)
            return 0;
    }
    struct saved_call *call = bpf_task_storage_get(&calls, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!call)
        return 0;
    call->nr = nr;
    call->flags = 0;
    call->start_ns = bpf_ktime_get_boot_ns();
    __builtin_memcpy(call->args, args, sizeof(args));
    if (vigil_config.kill_rules && apply_kill_rules(nr, c, call->args, task))
        call->flags |= VIGIL_CALL_KILLED;
    if (c->kind)
        call->flags |= VIGIL_CALL_ACTIVE;
    return 0;
}

/* Appends one capture at e->data_len: a struct vigil_capture, then the bytes.
 * Strings are read up to `limit` bytes; other memory is `len` bytes (at most
 * `limit`). A global function, so the verifier checks it once rather than for
 * every argument of every path through syscall_exit. */
__noinline int capture_user(struct vigil_syscall_event *e, __u32 source, __u32 kind, __u64 ptr, __u64 len_limit)
{
    if (!e)
        return 0;
    __u64 len = len_limit >> 16;
    __u32 limit = len_limit & 0xffff;
    __u32 o = e->data_len;
    if (o > VIGIL_CAPTURE_DATA - sizeof(struct vigil_capture) - 8 || !ptr)
        return 0;
    o &= VIGIL_CAPTURE_DATA - 1;
    struct vigil_capture *cap = (void *)&e->data[o];
    char *dst = &e->data[o + sizeof(struct vigil_capture)];
    __u32 room = VIGIL_CAPTURE_DATA - o - sizeof(struct vigil_capture);
    if (limit > room)
        limit = room;
    if (limit > VIGIL_CAPTURE_MAX - 2)
        limit = VIGIL_CAPTURE_MAX - 2;
    cap->source = source;
    cap->padding = 0;
    __u32 got = 0;
    if (kind == VIGIL_ARG_STRING) {
        /* Read one byte more than kept: only a longer string fills it. */
        __u32 size = limit + 2;
        if (size > VIGIL_CAPTURE_MAX)
            size = VIGIL_CAPTURE_MAX;
        long n = bpf_probe_read_user_str(dst, size, (const void *)ptr);
        if (n <= 0)
            return 0;
        got = n - 1;
        cap->truncated = got > limit;
        if (got > limit)
            got = limit;
    } else {
        cap->truncated = len > limit;
        got = len > limit ? limit : len;
        if (got > VIGIL_CAPTURE_MAX - 1)
            got = VIGIL_CAPTURE_MAX - 1;
        if (got && bpf_probe_read_user(dst, got, (const void *)ptr) != 0)
            return 0;
    }
    cap->len = got;
    e->ncaptures += 1;
    e->data_len = o + sizeof(struct vigil_capture) + ((got + 7) & ~7);
    return 0;
}

/* A dentry and mount by address. A global function takes them through memory:
 * its arguments must be numbers, and the kernel views they come from are pointers
 * to the verifier. */
struct vfs_path {
    __u64 dentry;
    __u64 mnt;
};

/* Appends the absolute path of (dentry, mount) as a capture; `type` goes in its
 * padding. Returns where the path starts in e->data, or -1. */
__noinline int capture_dentry(struct vigil_syscall_event *e, __u32 source, const struct vfs_path *p, __u32 type)
{
    if (!e || !p)
        return -1;
    __u64 dentry = p->dentry, mnt = p->mnt;
    __u32 o = e->data_len;
    if (!dentry || !mnt || o > VIGIL_CAPTURE_DATA - sizeof(struct vigil_capture) - 8)
        return -1;
    o &= VIGIL_CAPTURE_DATA - 1;
    struct vigil_capture *cap = (void *)&e->data[o];
    char *dst = &e->data[o + sizeof(struct vigil_capture)];
    __u8 truncated;
    __u32 len = write_path((struct dentry *)dentry, (struct vfsmount *)mnt, dst, &truncated);
    cap->source = source;
    cap->truncated = truncated;
    cap->padding = type;
    cap->len = len;
    e->ncaptures += 1;
    e->data_len = o + sizeof(struct vigil_capture) + ((len + 7) & ~7);
    return o + sizeof(struct vigil_capture);
}

/* Appends the path of an open file (resolved, absolute) as a capture, with its
 * file type (S_IFMT >> 12: pipes and sockets have no path worth showing) and
 * whether this open created it (FMODE_CREATED, set by the VFS). */
static __always_inline int capture_path(struct vigil_syscall_event *e, __u32 source, const struct file_facts *f)
{
    __u32 type = f->type;
    if (f->mode & VIGIL_FMODE_CREATED)
        type |= VIGIL_CAPTURE_CREATED;
    struct vfs_path p = { (__u64)f->dentry, (__u64)f->mnt };
    return capture_dentry(e, source, &p, type);
}

/* Appends the directory a relative path argument resolves against: the file of
 * directory fd argument `arg`, or the working directory for AT_FDCWD. */
static __always_inline void capture_directory(struct vigil_syscall_event *e, __u32 source, __u8 arg,
                                              const __u64 *args, struct task_struct *task)
{
    __s32 dirfd = -100; /* AT_FDCWD */
    if (arg < VIGIL_SYSCALL_ARGS)
        dirfd = (__s32)arg_at(args, arg);
    else if (arg != VIGIL_DIR_CWD)
        return;
    if (dirfd == -100) {
        struct dentry *cwd;
        struct vfsmount *mnt;
        if (read_cwd(task, &cwd, &mnt)) {
            struct vfs_path p = { (__u64)cwd, (__u64)mnt };
            capture_dentry(e, source, &p, 4);
        }
        return;
    }
    struct file_facts dir;
    if (dirfd >= 0 && read_file(fd_file(task, dirfd), &dir, true))
        capture_path(e, source, &dir);
}

/* Whether the captured path at e->data[at] starts with a watched prefix. */
__noinline int path_watched(struct vigil_syscall_event *e, int at)
{
    if (!e || at < (int)sizeof(struct vigil_capture))
        return 0;
    if (!vigil_config.path_prefixes)
        return 1;
    __u32 o = (__u32)at & (VIGIL_CAPTURE_DATA - 1);
    struct vigil_capture *cap = (void *)&e->data[(o - sizeof(struct vigil_capture)) & (VIGIL_CAPTURE_DATA - 1)];
    __u32 len = cap->len;
#pragma unroll
    for (int i = 0; i < VIGIL_PATH_PREFIXES; i++) {
        if (i >= vigil_config.path_prefixes)
            break;
        __u32 n = vigil_config.prefix[i].len;
        if (n < 1 || n >= VIGIL_PATH_PREFIX_LEN || n > len)
            continue;
        if (bpf_strncmp(&e->data[o], n, (const char *)vigil_config.prefix[i].path) == 0)
            return 1;
    }
    return 0;
}

SEC("tracepoint")
int syscall_exit(struct syscall_exit_args *ctx)
{
    __s64 ret = ctx->ret;
    __u32 nr = ctx->nr;
    struct vigil_syscall_config *c = bpf_map_lookup_elem(&syscalls, &nr);
    if (!c || !c->kind)
        return 0;
    struct task_struct *task = bpf_get_current_task_btf();
    struct saved_call call;
    if (c->exit_only) {
        if (!task_wanted(bpf_get_current_pid_tgid() >> 32, task))
            return 0;
        /* The arguments as the kernel used them: x86-64 passes them in di, si, dx,
         * r10, r8 and r9, saved on entry and not changed by the calls planned this
         * way (user space keeps the entry hook for execve, clone and sigreturn). */
        struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
        if (!regs)
            return 0;
        call.nr = nr;
        call.flags = 0;
        call.start_ns = 0;
        call.args[0] = regs->di;
        call.args[1] = regs->si;
        call.args[2] = regs->dx;
        call.args[3] = regs->r10;
        call.args[4] = regs->r8;
        call.args[5] = regs->r9;
    } else {
        struct saved_call *saved = bpf_task_storage_get(&calls, task, 0, 0);
        if (!saved || !(saved->flags & VIGIL_CALL_ACTIVE) || saved->nr != nr)
            return 0;
        call = *saved;
        saved->flags = 0;
    }
    if (c->only_failures && ret >= 0)
        return 0;
    if (c->watch && ret < 0)
        return 0;
    /* A write of nothing changed nothing (and keeps the file armed for the next one). */
    if (c->watch == VIGIL_WATCH_MARKED && ret == 0)
        return 0;
    __u32 kind = c->kind;
    __u32 zero = 0;
    struct vigil_syscall_event *e = bpf_map_lookup_elem(&syscall_space, &zero);
    if (!e)
        return 0;
    e->ncaptures = 0;
    e->data_len = 0;
    /* The resolved path first: file integrity drops most calls on it, before any
     * other work (the header's helpers, argument copies). */
    struct file *resolved = NULL;
    if (c->resolve == VIGIL_CAPTURE_RET_FD_PATH && ret >= 0)
        resolved = fd_file(task, ret);
    else if (c->resolve == VIGIL_CAPTURE_ARG_FD_PATH && c->fd_arg < VIGIL_SYSCALL_ARGS)
        resolved = fd_file(task, arg_at(call.args, c->fd_arg));
    if (c->resolve) {
        struct file_facts file = {};
        bool found = read_file(resolved, &file, true);
        /* Opens mark regular files only: /dev/null, terminals and pipes are opened for
         * writing all the time and need no path walk. */
        if (c->watch == VIGIL_WATCH_MARK && file.type != 8 /* S_IFREG */)
            return 0;
        int at = found ? capture_path(e, c->resolve, &file) : -1;
        if ((c->watch == VIGIL_WATCH_FILTER || c->watch == VIGIL_WATCH_MARK) && !path_watched(e, at))
            return 0;
        struct inode_key key = {};
        if (c->watch == VIGIL_WATCH_MARK && inode_key_of(file.inode, &key)) {
            /* Created: always reported, and its first write too. Truncated: a change,
             * at most one a second per file with the writes. Opened for writing only:
             * watched from now on, but no change yet. */
            __u64 fresh = 0, now = bpf_ktime_get_boot_ns();
            __u64 *last = bpf_map_lookup_elem(&watched_inodes, &key);
            bool truncating = c->flags_arg < VIGIL_SYSCALL_ARGS ? (arg_at(call.args, c->flags_arg) & 01000) != 0 : true;
            if (file.mode & VIGIL_FMODE_CREATED) {
                bpf_map_update_elem(&watched_inodes, &key, &fresh, BPF_ANY);
            } else if (truncating) {
                if (last && *last && now - *last < VIGIL_REPORT_EVERY_NS)
                    return 0;
                bpf_map_update_elem(&watched_inodes, &key, &now, BPF_ANY);
            } else {
                if (!last)
                    bpf_map_update_elem(&watched_inodes, &key, &fresh, BPF_NOEXIST);
                return 0;
            }
        } else if (c->watch == VIGIL_WATCH_MARKED && inode_key_of(file.inode, &key)) {
            __u64 now = bpf_ktime_get_boot_ns();
            bpf_map_update_elem(&watched_inodes, &key, &now, BPF_EXIST);
        }
    }
    fill_header(&e->header, kind, task);
    e->syscall_nr = call.nr;
    e->killed = (call.flags & VIGIL_CALL_KILLED) != 0;
    e->ret = ret;
    e->duration_ns = c->exit_only ? VIGIL_DURATION_UNKNOWN : e->header.timestamp_ns - call.start_ns;
#pragma unroll
    for (int i = 0; i < VIGIL_SYSCALL_ARGS; i++) {
        e->args[i] = call.args[i];
        __u8 k = c->arg_kind[i];
        if (k == VIGIL_ARG_VALUE)
            continue;
        __u8 size_arg = c->size_arg[i];
        __u64 len = 0;
        if (size_arg == VIGIL_SIZE_FROM_RET)
            len = ret > 0 ? ret : 0;
        else if (size_arg < VIGIL_SYSCALL_ARGS)
            len = arg_at(call.args, size_arg);
        __u32 limit = k == VIGIL_ARG_STRING ? c->string_size : c->buffer_size;
        if (k == VIGIL_ARG_SOCKADDR)
            limit = 128;
        if (len > 0xffffffffffffULL)
            len = 0xffffffffffffULL;
        capture_user(e, i, k, call.args[i], (len << 16) | (limit & 0xffff));
    }
    capture_directory(e, VIGIL_CAPTURE_DIR0, c->dir_arg[0], call.args, task);
    capture_directory(e, VIGIL_CAPTURE_DIR1, c->dir_arg[1], call.args, task);
    __u64 size = offsetof(struct vigil_syscall_event, data) + (e->data_len & (VIGIL_CAPTURE_DATA * 2 - 1));
    if (size > sizeof(*e))
        size = sizeof(*e);
    if (bpf_ringbuf_output(&events, e, size, submit_flags(size)) != 0)
        count_lost(kind);
    return 0;
}
