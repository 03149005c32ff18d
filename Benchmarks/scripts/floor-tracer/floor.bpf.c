/* The floor under any BPF tracer of openat on this kernel, for trace-open-overhead.sh.
 * `nothing` is attached to syscalls:sys_exit_openat and returns: what the hook alone
 * costs. `minimal` emits what the benchmark asks a tracer to write and no more
 * (time, pid, return value, the path as passed) to a ring buffer, waking its
 * reader never (it drains on a timer). Vigil's own program should cost little
 * more than `minimal`; the difference is what filters and the schema cost. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 64 << 20);
} ring SEC(".maps");

struct record {
    __u64 time_ns;
    __u32 pid;
    __s32 ret;
    char path[256];
};

struct exit_args {
    __u64 common;
    __s32 nr;
    __s32 padding;
    __s64 ret;
};

SEC("tracepoint/syscalls/sys_exit_openat")
int nothing(struct exit_args *ctx)
{
    return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int minimal(struct exit_args *ctx)
{
    struct task_struct *task = bpf_get_current_task_btf();
    struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
    struct record *r = bpf_ringbuf_reserve(&ring, sizeof(*r), 0);
    if (!r)
        return 0;
    r->time_ns = bpf_ktime_get_boot_ns();
    r->pid = bpf_get_current_pid_tgid() >> 32;
    r->ret = ctx->ret;
    bpf_probe_read_user_str(r->path, sizeof(r->path), (const void *)regs->si);
    bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
    return 0;
}

