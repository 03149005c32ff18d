// SPDX-License-Identifier: GPL-2.0
// Process sensor: exec, fork and exit from BTF tracepoints (no tracefs needed),
// with the pid filter and follow-children applied here in the kernel.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "process_event.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct vigil_process_config vigil_config = {
    .args_size = 1024,
    .filter_pids = 0,
    .follow_children = 1,
    .events = (1 << VIGIL_PROCESS_EXEC) | (1 << VIGIL_PROCESS_FORK) | (1 << VIGIL_PROCESS_EXIT),
    .wakeup_bytes = 256 * 1024,
};

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 24); /* resized from user space before load */
} events SEC(".maps");

/* Thread group ids being traced when vigil_config.filter_pids is set. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 65536);
    __type(key, __u32);
    __type(value, __u8);
} tracked_pids SEC(".maps");

/* The cgroup to trace (a cgroup directory fd set from user space at index 0). */
struct {
    __uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} cgroup_filter SEC(".maps");

/* Events dropped because the ring buffer was full, per CPU and event kind. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, VIGIL_PROCESS_KIND_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(__u32 kind)
{
    __u64 *n = bpf_map_lookup_elem(&lost, &kind);
    if (n)
        __sync_fetch_and_add(n, 1);
}

/* Waking the consumer for every record costs a context switch per event; user
 * space drains on a short timer anyway, so wake it only when data piles up. */
static __always_inline long submit_flags(void)
{
    return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= vigil_config.wakeup_bytes ? BPF_RB_FORCE_WAKEUP
                                                                                          : BPF_RB_NO_WAKEUP;
}

static __always_inline bool comm_matches(struct task_struct *task)
{
    char comm[VIGIL_COMM_LEN];
    BPF_CORE_READ_STR_INTO(&comm, task, comm);
    for (int i = 0; i < VIGIL_COMM_LEN; i++) {
        if (comm[i] != vigil_config.comm[i])
            return false;
        if (comm[i] == 0)
            break;
    }
    return true;
}

/* Every configured filter must match (they combine with AND). */
static __always_inline bool wanted(__u32 kind, __u32 tgid, struct task_struct *task)
{
    if (!(vigil_config.events & (1 << kind)))
        return false;
    if (vigil_config.filter_pids && !bpf_map_lookup_elem(&tracked_pids, &tgid))
        return false;
    if (vigil_config.filter_uid && BPF_CORE_READ(task, cred, uid.val) != vigil_config.uid)
        return false;
    /* In all three hooks the current task is the one the event is about (the
     * exec'ing task, the forking parent, the exiting task). */
    if (vigil_config.filter_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
        return false;
    if (vigil_config.filter_comm && !comm_matches(task))
        return false;
    return true;
}

static __always_inline void fill_header(struct vigil_process_header *h, __u32 kind, struct task_struct *task)
{
    h->kind = kind;
    h->pid = BPF_CORE_READ(task, tgid);
    h->tid = BPF_CORE_READ(task, pid);
    h->ppid = BPF_CORE_READ(task, real_parent, tgid);
    h->uid = BPF_CORE_READ(task, cred, uid.val);
    h->gid = BPF_CORE_READ(task, cred, gid.val);
    h->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
    h->timestamp_ns = bpf_ktime_get_boot_ns();
    BPF_CORE_READ_STR_INTO(&h->comm, task, comm);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
    __u32 tgid = BPF_CORE_READ(task, tgid);
    if (!wanted(VIGIL_PROCESS_EXEC, tgid, task))
        return 0;
    struct vigil_exec_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e) {
        count_lost(VIGIL_PROCESS_EXEC);
        return 0;
    }
    fill_header(&e->header, VIGIL_PROCESS_EXEC, task);
    e->old_pid = old_pid;
    long n = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
    e->filename_len = n > 0 ? n - 1 : 0;

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
    bpf_ringbuf_submit(e, submit_flags());
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
    /* Follow children in the kernel: the child is tracked before it can run,
     * so even a grandchild that lives for microseconds is seen. */
    if (vigil_config.filter_pids && vigil_config.follow_children && bpf_map_lookup_elem(&tracked_pids, &parent_tgid)) {
        __u8 one = 1;
        bpf_map_update_elem(&tracked_pids, &child_tgid, &one, BPF_ANY);
    }
    if (!wanted(VIGIL_PROCESS_FORK, parent_tgid, parent))
        return 0;
    struct vigil_fork_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e) {
        count_lost(VIGIL_PROCESS_FORK);
        return 0;
    }
    fill_header(&e->header, VIGIL_PROCESS_FORK, parent);
    e->child_pid = child_tgid;
    e->child_tid = child_tid;
    bpf_ringbuf_submit(e, submit_flags());
    return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
    /* Only the last thread's exit is the process's exit. */
    if (BPF_CORE_READ(task, signal, live.counter) != 0)
        return 0;
    __u32 tgid = BPF_CORE_READ(task, tgid);
    if (wanted(VIGIL_PROCESS_EXIT, tgid, task)) {
        struct vigil_exit_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
        if (e) {
            fill_header(&e->header, VIGIL_PROCESS_EXIT, task);
            e->exit_code = BPF_CORE_READ(task, exit_code);
            e->padding = 0;
            e->lifetime_ns = bpf_ktime_get_boot_ns() - BPF_CORE_READ(task, group_leader, start_boottime);
            bpf_ringbuf_submit(e, submit_flags());
        } else {
            count_lost(VIGIL_PROCESS_EXIT);
        }
    }
    if (vigil_config.filter_pids)
        bpf_map_delete_elem(&tracked_pids, &tgid);
    return 0;
}
