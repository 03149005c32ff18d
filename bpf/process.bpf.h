/* Process sensor: exec, fork and exit from BTF tracepoints (no tracefs needed).
 * These programs also keep the in-kernel filters current (follow-children,
 * executable), so they are attached whichever events are asked for. */
#include "process_event.h"

/* The absolute path of the program being exec'd, in the second half of the path
 * scratch (write_path uses the first). Returns it, or NULL. */
static __always_inline char *exec_path(struct linux_binprm *bprm, __u32 *len, __u8 *truncated)
{
    __u32 zero = 0;
    struct path_scratch *s = bpf_map_lookup_elem(&path_space, &zero);
    if (!s)
        return NULL;
    char *dst = &s->buf[VIGIL_PATH_BUF];
    /* bprm is the BTF tracepoint's argument: plain loads reach the file's path. */
    struct file *file = bprm->file;
    if (!file)
        return NULL;
    *len = write_path(file->f_path.dentry, file->f_path.mnt, dst, truncated);
    return dst;
}

/* The executable filter: is the program just exec'd vigil_config.exe? */
static __always_inline void update_exe_filter(__u32 tgid, const char *path, __u32 len, __u8 truncated)
{
    bool same = path && !truncated && len == vigil_config.exe_len &&
                bpf_strncmp(path, sizeof(vigil_config.exe), (const char *)vigil_config.exe) == 0;
    if (same) {
        __u8 one = 1;
        bpf_map_update_elem(&exe_pids, &tgid, &one, BPF_ANY);
    } else {
        bpf_map_delete_elem(&exe_pids, &tgid);
    }
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
    __u32 tgid = BPF_CORE_READ(task, tgid);
    __u32 exe_len = 0;
    __u8 exe_truncated = 0;
    char *exe = exec_path(bprm, &exe_len, &exe_truncated);
    if (vigil_config.filter_exe)
        update_exe_filter(tgid, exe, exe_len, exe_truncated);
    if (!process_wanted(VIGIL_EVENT_EXEC, tgid, task))
        return 0;
    /* A record only the process cache reads stops before argv: a tenth of the size. */
    bool with_args = vigil_config.events & (1 << VIGIL_EVENT_EXEC);
    __u64 size = with_args ? sizeof(struct vigil_exec_event) : offsetof(struct vigil_exec_event, args);
    struct vigil_exec_event *e = bpf_ringbuf_reserve(&events, size, 0);
    if (!e) {
        count_lost(VIGIL_EVENT_EXEC);
        return 0;
    }
    fill_header(&e->header, VIGIL_EVENT_EXEC, task);
    e->old_pid = old_pid;
    long n = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
    e->filename_len = n > 0 ? n - 1 : 0;
    e->exe_truncated = exe_truncated || exe_len > VIGIL_FILENAME_LEN - 1;
    e->exe_len = exe_len > VIGIL_FILENAME_LEN - 1 ? VIGIL_FILENAME_LEN - 1 : exe_len;
    if (exe)
        bpf_probe_read_kernel_str(e->exe, sizeof(e->exe), exe);
    else
        e->exe[0] = 0;

    if (with_args) {
        /* argv lives in the new image's memory between arg_start and arg_end. */
        unsigned long start = BPF_CORE_READ(task, mm, arg_start);
        unsigned long end = BPF_CORE_READ(task, mm, arg_end);
        unsigned long len = end > start ? end - start : 0;
        /* At most VIGIL_ARGS_MAX - 1 bytes, so a mask proves the bound to the verifier. */
        __u32 limit = vigil_config.args_size < VIGIL_ARGS_MAX - 1 ? vigil_config.args_size : VIGIL_ARGS_MAX - 1;
        e->args_truncated = len > limit;
        if (len > limit)
            len = limit;
        len &= VIGIL_ARGS_MAX - 1;
        if (len > 0 && bpf_probe_read_user(e->args, len, (void *)start) == 0)
            e->args_len = len;
        else
            e->args_len = 0;
    } else {
        e->args_truncated = 0;
        e->args_len = 0;
    }
    bpf_ringbuf_submit(e, submit_flags(size));
    return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
    __u32 child_tgid = BPF_CORE_READ(child, tgid);
    __u32 child_tid = BPF_CORE_READ(child, pid);
    if (child_tgid != child_tid)
        return 0; /* a new thread, not a new process */
    __u32 parent_tgid = BPF_CORE_READ(parent, tgid);
    __u8 one = 1;
    /* Follow children in the kernel: the child is tracked before it can run,
     * so even a grandchild that lives for microseconds is seen. */
    if (vigil_config.filter_pids && vigil_config.follow_children && bpf_map_lookup_elem(&tracked_pids, &parent_tgid))
        bpf_map_update_elem(&tracked_pids, &child_tgid, &one, BPF_ANY);
    /* A forked child runs its parent's executable until it execs. */
    if (vigil_config.filter_exe && bpf_map_lookup_elem(&exe_pids, &parent_tgid))
        bpf_map_update_elem(&exe_pids, &child_tgid, &one, BPF_ANY);
    if (!process_wanted(VIGIL_EVENT_FORK, parent_tgid, parent))
        return 0;
    struct vigil_fork_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e) {
        count_lost(VIGIL_EVENT_FORK);
        return 0;
    }
    fill_header(&e->header, VIGIL_EVENT_FORK, parent);
    e->child_pid = child_tgid;
    e->child_tid = child_tid;
    bpf_ringbuf_submit(e, submit_flags(sizeof(*e)));
    return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
    /* Only the last thread's exit is the process's exit. */
    if (BPF_CORE_READ(task, signal, live.counter) != 0)
        return 0;
    __u32 tgid = BPF_CORE_READ(task, tgid);
    if (process_wanted(VIGIL_EVENT_EXIT, tgid, task)) {
        struct vigil_exit_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
        if (e) {
            fill_header(&e->header, VIGIL_EVENT_EXIT, task);
            e->exit_code = BPF_CORE_READ(task, exit_code);
            e->padding = 0;
            e->lifetime_ns = bpf_ktime_get_boot_ns() - BPF_CORE_READ(task, group_leader, start_boottime);
            bpf_ringbuf_submit(e, submit_flags(sizeof(*e)));
        } else {
            count_lost(VIGIL_EVENT_EXIT);
        }
    }
    if (vigil_config.filter_pids)
        bpf_map_delete_elem(&tracked_pids, &tgid);
    if (vigil_config.filter_exe)
        bpf_map_delete_elem(&exe_pids, &tgid);
    return 0;
}
