/* Maps, configuration and helpers shared by the sensors in bpf/trace.bpf.c. */
#ifndef VIGIL_TRACE_COMMON_BPF_H
#define VIGIL_TRACE_COMMON_BPF_H

#include "event_header.h"
#include "trace_config.h"

const volatile struct vigil_trace_config vigil_config = {
    .args_size = 1024,
    .follow_children = 1,
    .events = (1 << VIGIL_EVENT_EXEC) | (1 << VIGIL_EVENT_FORK) | (1 << VIGIL_EVENT_EXIT),
    .wakeup_bytes_per_cpu = 128 * 1024,
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

/* Thread group ids whose executable is vigil_config.exe (filter_exe): seeded
 * from /proc by user space, kept current by exec, fork and exit here. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 65536);
    __type(key, __u32);
    __type(value, __u8);
} exe_pids SEC(".maps");

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
    __uint(max_entries, VIGIL_EVENT_KIND_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(__u32 kind)
{
    __u64 *n = bpf_map_lookup_elem(&lost, &kind);
    if (n)
        __sync_fetch_and_add(n, 1);
}

/* Bytes each CPU has submitted since it last woke the consumer. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} unannounced SEC(".maps");

/* Waking the consumer for every record costs a context switch per event, and
 * each wakeup is an inter-processor interrupt (a VM exit under virtualisation).
 * User space drains on a short timer anyway, so each CPU wakes it once per
 * wakeup_bytes_per_cpu it submits (together, about a quarter of the ring). A
 * per-CPU count, not the ring's queued bytes: asking the ring reads positions the
 * consumer writes on another CPU, a cache miss on every record. */
static __always_inline long submit_flags(__u64 size)
{
    __u32 zero = 0;
    __u64 *n = bpf_map_lookup_elem(&unannounced, &zero);
    if (!n)
        return BPF_RB_FORCE_WAKEUP;
    *n += size;
    if (*n < vigil_config.wakeup_bytes_per_cpu)
        return BPF_RB_NO_WAKEUP;
    *n = 0;
    return BPF_RB_FORCE_WAKEUP;
}

/* The task's name by two plain loads through its BTF pointer: the same bytes as
 * bpf_get_current_comm (the kernel pads comm with NULs), at a fraction of the cost
 * on every traced call. */
static __always_inline void task_comm(struct task_struct *task, char *comm)
{
    *(__u64 *)comm = *(__u64 *)&task->comm[0];
    *(__u64 *)(comm + 8) = *(__u64 *)&task->comm[8];
}

/* The task's real uid and gid, as the kernel keeps them (global ids: what
 * bpf_get_current_uid_gid reports), by plain loads through its credentials. */
static __always_inline __u64 task_uid_gid(struct task_struct *task)
{
    const struct cred *cred = task->cred;
    return ((__u64)cred->gid.val << 32) | cred->uid.val;
}

static __always_inline bool comm_matches(struct task_struct *task)
{
    char comm[VIGIL_COMM_LEN] __attribute__((aligned(8)));
    task_comm(task, comm);
    for (int i = 0; i < VIGIL_COMM_LEN; i++) {
        if (comm[i] != vigil_config.comm[i])
            return false;
        if (comm[i] == 0)
            break;
    }
    return true;
}

/* Every configured filter must match (they combine with AND). The task must be
 * the current one (every hook runs in the context of the task it reports), as a
 * BTF pointer: comm and uid are read from it directly. */
static __always_inline bool task_wanted(__u32 tgid, struct task_struct *task)
{
    if (vigil_config.filter_pids && !bpf_map_lookup_elem(&tracked_pids, &tgid))
        return false;
    if (vigil_config.filter_exe && !bpf_map_lookup_elem(&exe_pids, &tgid))
        return false;
    if (vigil_config.filter_uid && (__u32)task_uid_gid(task) != vigil_config.uid)
        return false;
    if (vigil_config.filter_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
        return false;
    if (vigil_config.filter_comm && !comm_matches(task))
        return false;
    return true;
}

static __always_inline bool any_process_filter(void)
{
    return vigil_config.filter_pids || vigil_config.filter_exe || vigil_config.filter_uid ||
           vigil_config.filter_cgroup || vigil_config.filter_comm;
}

static __always_inline bool wanted(__u32 kind, __u32 tgid, struct task_struct *task)
{
    return (vigil_config.events & (1 << kind)) && task_wanted(tgid, task);
}

/* Exec, fork and exit also go to user space when only its process cache needs them. */
static __always_inline bool process_wanted(__u32 kind, __u32 tgid, struct task_struct *task)
{
    return (vigil_config.process_records || (vigil_config.events & (1 << kind))) && task_wanted(tgid, task);
}

/* The header of an event about the current task (every hook reports the task it
 * runs in: the exec'ing task, the forking parent, the exiting task, the caller).
 * This runs for every event, so what can be is read by plain loads through `task`,
 * a BTF pointer (bpf_get_current_task_btf or a BTF tracepoint's argument): its
 * parent, credentials and name. Each replaced a helper call or two probe reads. */
static __always_inline void fill_header(struct vigil_event_header *h, __u32 kind, struct task_struct *task)
{
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    __u64 uid_gid = task_uid_gid(task);
    h->kind = kind;
    h->pid = pid_tgid >> 32;
    h->tid = (__u32)pid_tgid;
    h->ppid = task->real_parent->tgid;
    h->uid = (__u32)uid_gid;
    h->gid = uid_gid >> 32;
    h->cgroup_id = bpf_get_current_cgroup_id();
    h->timestamp_ns = bpf_ktime_get_boot_ns();
    task_comm(task, h->comm);
}

#endif
