// SPDX-License-Identifier: GPL-2.0
// CPU profiler: a perf_event program run by a cpu-clock timer on every CPU. Per
// sample it records the kernel stack, the user stack by frame pointers, and a copy
// of the top of the user stack with the registers needed to unwind it without
// frame pointers (user space does that with the binary's .eh_frame). A second
// program on sched_switch records the same for off-CPU waits.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "profile_event.h"
#include "vfs.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct vigil_profile_config vigil_profile = {
    .stack_copy = VIGIL_STACK_COPY_MAX,
};

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 23);
} samples SEC(".maps");

/* Thread group ids being profiled when filter_pids is set. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 65536);
    __type(key, __u32);
    __type(value, __u8);
} profiled_pids SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} profile_cgroup SEC(".maps");

/* Samples dropped because the ring buffer was full (per CPU). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} dropped SEC(".maps");

static __always_inline bool profiled(__u32 tgid)
{
    if (tgid == 0 && !vigil_profile.include_idle)
        return false;
    if (vigil_profile.exclude_pid && tgid == vigil_profile.exclude_pid)
        return false;
    if (vigil_profile.filter_pids && !bpf_map_lookup_elem(&profiled_pids, &tgid))
        return false;
    if (vigil_profile.filter_cgroup && bpf_current_task_under_cgroup(&profile_cgroup, 0) != 1)
        return false;
    return true;
}

/* Processes sampled since they started: only their exit sends mappings (a
 * process never sampled has nothing to name, and most short ones are not). */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16384);
    __type(key, __u32);
    __type(value, __u8);
} sampled SEC(".maps");

static __always_inline void note_sampled(__u32 tgid)
{
    if (!bpf_map_lookup_elem(&sampled, &tgid)) {
        __u8 one = 1;
        bpf_map_update_elem(&sampled, &tgid, &one, BPF_ANY);
    }
}

/* Off-CPU: when each profiled thread left the CPU (task-local, freed with the task). */
struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, __u64);
} off_cpu_since SEC(".maps");

static __always_inline void count_drop(void)
{
    __u32 zero = 0;
    __u64 *n = bpf_map_lookup_elem(&dropped, &zero);
    if (n)
        __sync_fetch_and_add(n, 1);
}

/* Record the current thread's stacks: kernel stack, frame-pointer user stack, the
 * user registers and a copy of the top of the user stack. `ctx` is the program's
 * own context (perf_event or tracing); bpf_get_stack walks from it. */
static __always_inline int record_stacks(void *ctx, struct vigil_profile_sample *s, struct task_struct *task,
                                         __u32 tgid, bool in_kernel, __u64 ip, __u64 sp, __u64 bp, __u64 skip)
{
    s->flags = (in_kernel ? VIGIL_SAMPLE_IN_KERNEL : 0) |
               (BPF_CORE_READ_BITFIELD(task, in_execve) ? VIGIL_SAMPLE_IN_EXECVE : 0);
    long k = in_kernel ? bpf_get_stack(ctx, s->kernel, sizeof(s->kernel), skip & BPF_F_SKIP_FIELD_MASK) : 0;
    s->kernel_frames = k < 0 ? k : k / 8;
    long u = bpf_get_stack(ctx, s->user, sizeof(s->user), BPF_F_USER_STACK);
    s->user_frames = u < 0 ? u : u / 8;

    /* The user registers: in the sample itself for user mode; saved at kernel
     * entry (task_pt_regs) when the thread was in the kernel. */
    if (in_kernel) {
        struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
        s->ip = BPF_CORE_READ(regs, ip);
        s->sp = BPF_CORE_READ(regs, sp);
        s->bp = BPF_CORE_READ(regs, bp);
    } else {
        s->ip = ip;
        s->sp = sp;
        s->bp = bp;
    }

    struct mm_struct *mm = BPF_CORE_READ(task, mm);
    s->start_code = mm ? BPF_CORE_READ(mm, start_code) : 0;
    s->start_stack = mm ? BPF_CORE_READ(mm, start_stack) : 0;

    /* Copy the top of the user stack; near the top of the stack mapping a long read
     * faults, so fall back to shorter ones. Kernel threads have no user stack. */
    s->stack_len = 0;
    __u32 want = vigil_profile.stack_copy;
    if (tgid != 0 && s->sp && mm) {
#pragma unroll
        for (int i = 0; i < 6; i++) {
            __u32 n = want >> i;
            if (n > VIGIL_STACK_COPY_MAX)
                n = VIGIL_STACK_COPY_MAX;
            if (n < 512)
                break;
            if (bpf_probe_read_user(s->stack, n, (void *)s->sp) == 0) {
                s->stack_len = n;
                break;
            }
        }
        /* A main thread just started (the loader's first calls) has less than 512
         * bytes below its initial stack pointer, mm->start_stack: copy up to it. */
        if (!s->stack_len && s->start_stack > s->sp) {
            __u64 n = s->start_stack - s->sp;
            if (n > want)
                n = want;
            if (n > VIGIL_STACK_COPY_MAX)
                n = VIGIL_STACK_COPY_MAX;
            if (n >= 16 && bpf_probe_read_user(s->stack, n, (void *)s->sp) == 0)
                s->stack_len = n;
        }
    }
    return 0;
}

SEC("perf_event")
int sample_cpu(struct bpf_perf_event_data *ctx)
{
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    __u32 tgid = pid_tgid >> 32;
    if (!profiled(tgid))
        return 0;
    struct vigil_profile_sample *s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
    if (!s) {
        count_drop();
        return 0;
    }
    note_sampled(tgid);
    s->kind = VIGIL_SAMPLE_CPU;
    s->pid = tgid;
    s->tid = (__u32)pid_tgid;
    s->cpu = bpf_get_smp_processor_id();
    s->timestamp_ns = bpf_ktime_get_boot_ns();
    s->value = 1;
    bpf_get_current_comm(s->comm, sizeof(s->comm));
    /* The interrupted context: kernel addresses have the top bit set on x86-64.
     * Direct ctx->regs loads: the verifier rewrites them; a probe read of
     * &ctx->regs would read the wrong memory. */
    bool in_kernel = (ctx->regs.ip >> 63) != 0;
    record_stacks(ctx, s, bpf_get_current_task_btf(), tgid, in_kernel, ctx->regs.ip, ctx->regs.sp, ctx->regs.bp, 0);
    bpf_ringbuf_submit(s, 0);
    return 0;
}

/* Off-CPU time. sched_switch runs in the context of the thread leaving the CPU,
 * so its stacks are read there (the where of the wait) and the time noted; when
 * the thread is switched back in, a small record gives the wait's length (the
 * how long). User space pairs the two by thread id. */
SEC("tp_btf/sched_switch")
int BPF_PROG(off_cpu_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
    __u64 now = bpf_ktime_get_boot_ns();

    __u64 *since = bpf_task_storage_get(&off_cpu_since, next, 0, 0);
    if (since && *since) {
        struct vigil_off_cpu_end *e = bpf_ringbuf_reserve(&samples, sizeof(*e), 0);
        if (e) {
            e->kind = VIGIL_SAMPLE_OFF_CPU_END;
            e->pid = BPF_CORE_READ(next, tgid);
            e->tid = BPF_CORE_READ(next, pid);
            e->cpu = bpf_get_smp_processor_id();
            e->timestamp_ns = now;
            e->value = now - *since;
            bpf_ringbuf_submit(e, 0);
        } else {
            count_drop();
        }
        *since = 0;
    }

    __u32 tgid = BPF_CORE_READ(prev, tgid);
    /* A thread that is exiting waits for nothing. */
    if (!profiled(tgid) || (BPF_CORE_READ(prev, flags) & 0x4 /* PF_EXITING */))
        return 0;
    struct vigil_profile_sample *s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
    if (!s) {
        count_drop();
        return 0;
    }
    note_sampled(tgid);
    s->kind = VIGIL_SAMPLE_OFF_CPU;
    s->pid = tgid;
    s->tid = BPF_CORE_READ(prev, pid);
    s->cpu = bpf_get_smp_processor_id();
    s->timestamp_ns = now;
    s->value = 0;
    bpf_get_current_comm(s->comm, sizeof(s->comm));
    /* Skip this program's own frames (bpf_prog_…, bpf_trace_run4): the stack
     * starts at __schedule. */
    record_stacks(ctx, s, prev, tgid, true, 0, 0, 0, 2);
    bpf_ringbuf_submit(s, 0);
    since = bpf_task_storage_get(&off_cpu_since, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (since)
        *since = now;
    return 0;
}

/* Follow children: a process forked by a profiled one is profiled too. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(profile_fork, struct task_struct *parent, struct task_struct *child)
{
    if (!vigil_profile.filter_pids)
        return 0;
    __u32 parent_tgid = BPF_CORE_READ(parent, tgid);
    __u32 child_tgid = BPF_CORE_READ(child, tgid);
    if (child_tgid == BPF_CORE_READ(child, pid) && bpf_map_lookup_elem(&profiled_pids, &parent_tgid)) {
        __u8 one = 1;
        bpf_map_update_elem(&profiled_pids, &child_tgid, &one, BPF_ANY);
    }
    return 0;
}

extern int bpf_iter_task_vma_new(struct bpf_iter_task_vma *it, struct task_struct *task, __u64 addr) __ksym;
extern struct vm_area_struct *bpf_iter_task_vma_next(struct bpf_iter_task_vma *it) __ksym;
extern void bpf_iter_task_vma_destroy(struct bpf_iter_task_vma *it) __ksym;

/* Where an exit mapping record is assembled (its path makes it large). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct vigil_exit_mapping);
} exit_space SEC(".maps");

/* A mapping by numbers: a global function's arguments may not be kernel pointers. */
struct exit_vma {
    __u64 start, end, pgoff, file, start_code, start_stack;
    __u32 pid;
    __u32 vdso;   /* the vDSO: no file, named "[vdso]" */
};

/* Sends one executable file mapping of an exiting process, with the file's
 * absolute path: 1 if sent, 0 if there was nothing to send, -1 if the ring buffer
 * was full. Global, so the verifier checks the path walk once, not inside the
 * mapping loop. */
__noinline int send_exit_mapping(const struct exit_vma *v)
{
    __u32 zero = 0;
    struct vigil_exit_mapping *m = bpf_map_lookup_elem(&exit_space, &zero);
    if (!v || !m || (!v->file && !v->vdso))
        return 0;
    m->kind = VIGIL_SAMPLE_EXIT_MAPPING;
    m->pid = v->pid;
    m->count = 0;
    m->start_code = v->start_code;
    m->start_stack = v->start_stack;
    m->start = v->start;
    m->end = v->end;
    m->offset = v->pgoff << 12;
    __u8 truncated = 0;
    __u32 len;
    if (v->vdso) {
        m->device = m->inode = 0;
        __builtin_memcpy(m->path, "[vdso]", 7);
        len = 6;
    } else {
        struct file *f = VIGIL_KERNEL_VIEW(struct file, v->file);
        struct inode *inode = f->f_inode;
        if (!inode)
            return 0;
        m->device = inode->i_sb->s_dev;
        m->inode = inode->i_ino;
        len = write_path(f->f_path.dentry, f->f_path.mnt, m->path, &truncated);
    }
    m->truncated = truncated;
    m->path_len = len;
    __u64 size = offsetof(struct vigil_exit_mapping, path) + (len & (VIGIL_EXIT_PATH_MAX - 1)) + 1;
    if (size > sizeof(*m))
        size = sizeof(*m);
    if (bpf_ringbuf_output(&samples, m, size, 0) != 0) {
        count_drop();
        return -1;
    }
    return 1;
}

/* A sampled process is exiting; its memory is still there (this tracepoint runs
 * before exit_mm). Its executable file mappings are sent after its last samples,
 * so user space can name those even though /proc/PID/maps is gone by then. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(profile_exit, struct task_struct *task, bool group_dead)
{
    if (!group_dead)
        return 0;
    __u32 tgid = task->tgid;
    if (!profiled(tgid) || !bpf_map_lookup_elem(&sampled, &tgid))
        return 0;
    bpf_map_delete_elem(&sampled, &tgid);
    struct mm_struct *mm = task->mm;
    if (!mm)
        return 0;
    struct exit_vma v = {
        .pid = tgid,
        .start_code = mm->start_code,
        .start_stack = mm->start_stack,
    };
    __u64 vdso = (__u64)BPF_CORE_READ(mm, context.vdso);
    __u32 sent = 0;
    int failed = 1;
    /* The walk visits every memory area, executable or not: 12-16 ms in the exiting
     * task for 60,000 areas, in kernel code that this kernel does not preempt. A
     * process with more than VIGIL_EXIT_AREAS_MAX is not walked; the end record says
     * the list is missing. Those that need this list, processes gone before user
     * space read their maps, are short-lived and have few areas (a shell: about 30). */
    if (mm->map_count <= VIGIL_EXIT_AREAS_MAX) {
        struct bpf_iter_task_vma it;
        struct vm_area_struct *vma;
        /* It fails when the mmap lock cannot be taken at once (a writer holds or
         * waits for it): the end record says so, and user space does without. */
        failed = bpf_iter_task_vma_new(&it, task, 0);
        /* A list cut short (too many mappings, a record dropped) would name the
         * missing ranges as no code at all: the end record says it is incomplete. */
        while ((vma = bpf_iter_task_vma_next(&it))) {
            if (sent >= VIGIL_EXIT_MAPPINGS_MAX) {
                failed = 1;
                break;
            }
            if (!(vma->vm_flags & 0x4 /* VM_EXEC */))
                continue;
            v.vdso = vma->vm_start == vdso;
            if (!vma->vm_file && !v.vdso)
                continue;
            v.start = vma->vm_start;
            v.end = vma->vm_end;
            v.pgoff = vma->vm_pgoff;
            v.file = (__u64)vma->vm_file;
            int r = send_exit_mapping(&v);
            if (r < 0)
                failed = 1;
            else
                sent += r;
        }
        bpf_iter_task_vma_destroy(&it);
    }
    /* The end record: the fields before the path. */
    struct vigil_exit_mapping *e = bpf_ringbuf_reserve(&samples, offsetof(struct vigil_exit_mapping, path), 0);
    if (!e) {
        count_drop();
        return 0;
    }
    e->kind = VIGIL_SAMPLE_EXIT_MAPPINGS_END;
    e->pid = tgid;
    e->count = sent;
    e->path_len = 0;
    e->start_code = v.start_code;
    e->start_stack = v.start_stack;
    e->start = e->end = e->offset = e->device = e->inode = 0;
    e->truncated = failed != 0;
    e->padding = 0;
    bpf_ringbuf_submit(e, 0);
    return 0;
}
