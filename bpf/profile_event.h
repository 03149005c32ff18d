/* Event ABI of the CPU profiler (bpf/profile.bpf.c): one record per sample. */
#ifndef VIGIL_PROFILE_EVENT_H
#define VIGIL_PROFILE_EVENT_H

#include "event_header.h"

#define VIGIL_STACK_DEPTH 127
/* Upper bound of the copied top of the user stack; the configured size may be smaller. */
#define VIGIL_STACK_COPY_MAX 16384

enum vigil_sample_kind {
    VIGIL_SAMPLE_CPU = 1,
    /* A thread left the CPU: its stacks, taken in its own context at sched_switch.
     * `value` is 0; the wait's length follows in a VIGIL_SAMPLE_OFF_CPU_END record. */
    VIGIL_SAMPLE_OFF_CPU = 2,
    /* The thread ran again after `value` nanoseconds (struct vigil_off_cpu_end). */
    VIGIL_SAMPLE_OFF_CPU_END = 3,
};

struct vigil_profile_sample {
    vigil_u32 kind;          /* enum vigil_sample_kind */
    vigil_u32 pid;
    vigil_u32 tid;
    vigil_u32 cpu;
    vigil_u64 timestamp_ns;  /* CLOCK_BOOTTIME */
    vigil_u64 value;         /* 1 for a CPU sample, nanoseconds off CPU */
    char comm[VIGIL_COMM_LEN];
    vigil_s32 kernel_frames; /* frames in kernel[], or a negative errno */
    vigil_s32 user_frames;   /* frames in user[] (frame-pointer walk), or a negative errno */
    vigil_u64 ip;            /* user registers where the thread left user space */
    vigil_u64 sp;
    vigil_u64 bp;
    vigil_u32 stack_len;     /* bytes of the user stack copied from sp */
    vigil_u32 in_kernel;     /* 1 when the sample interrupted kernel code */
    vigil_u64 kernel[VIGIL_STACK_DEPTH];
    vigil_u64 user[VIGIL_STACK_DEPTH];
    char stack[VIGIL_STACK_COPY_MAX];
};

/* Sent when a thread that left the CPU is switched back in. Its layout is the
 * first members of vigil_profile_sample, so a reader can look at `kind` first. */
struct vigil_off_cpu_end {
    vigil_u32 kind;          /* VIGIL_SAMPLE_OFF_CPU_END */
    vigil_u32 pid;
    vigil_u32 tid;
    vigil_u32 cpu;
    vigil_u64 timestamp_ns;
    vigil_u64 value;         /* nanoseconds off the CPU */
};

struct vigil_profile_config {
    vigil_u32 filter_pids;   /* 1: only processes in profiled_pids (children are added at fork) */
    vigil_u32 filter_cgroup; /* 1: only tasks in the cgroup in profile_cgroup[0], or below it */
    vigil_u32 stack_copy;    /* bytes of user stack to copy, <= VIGIL_STACK_COPY_MAX */
    vigil_u32 include_idle;  /* 1: also sample the idle task (pid 0) */
    vigil_u32 exclude_pid;   /* a process never sampled (Vigil itself in whole-system mode), or 0 */
};

#endif
