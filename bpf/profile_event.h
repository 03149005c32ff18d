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
    /* An executable file mapping of a process that is exiting (struct
     * vigil_exit_mapping): its samples may still be in the ring buffer, and
     * /proc/PID/maps is gone by the time they are read. */
    VIGIL_SAMPLE_EXIT_MAPPING = 4,
    /* The last of them; `count` says how many were sent. */
    VIGIL_SAMPLE_EXIT_MAPPINGS_END = 5,
};

enum vigil_sample_flags {
    /* The sample interrupted kernel code. */
    VIGIL_SAMPLE_IN_KERNEL = 1,
    /* The thread was inside execve (task->in_execve). Past the point of no return
     * the kernel has already replaced its memory: ip and sp are the calling
     * program's, and nothing they point to exists any more. */
    VIGIL_SAMPLE_IN_EXECVE = 2,
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
    /* Which program the process runs (mm->start_code, mm->start_stack): both
     * randomized by exec and copied by fork, so user space names the addresses
     * from the mappings of this program even after an exec replaced it. */
    vigil_u64 start_code;
    vigil_u64 start_stack;
    vigil_u32 stack_len;     /* bytes of the user stack copied from sp */
    vigil_u32 flags;         /* VIGIL_SAMPLE_IN_KERNEL | VIGIL_SAMPLE_IN_EXECVE */
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

/* At most this many mappings are sent per exiting process, and only by a
 * process with at most VIGIL_EXIT_AREAS_MAX memory areas (the walk's cost). */
#define VIGIL_EXIT_MAPPINGS_MAX 512
#define VIGIL_EXIT_AREAS_MAX 1024
#define VIGIL_EXIT_PATH_MAX 4096

/* Layout begins as vigil_off_cpu_end's: kind first. */
struct vigil_exit_mapping {
    vigil_u32 kind;          /* VIGIL_SAMPLE_EXIT_MAPPING or _END */
    vigil_u32 pid;
    vigil_u32 count;         /* END: mappings sent before it */
    vigil_u32 path_len;      /* bytes of path[] used (no NUL); 0 for END */
    vigil_u64 start_code;    /* the program, as in struct vigil_profile_sample */
    vigil_u64 start_stack;
    vigil_u64 start;         /* the mapping: [start, end) at file offset `offset` */
    vigil_u64 end;
    vigil_u64 offset;
    vigil_u64 device;        /* the file's s_dev (major << 20 | minor) and inode */
    vigil_u64 inode;
    vigil_u32 truncated;     /* the path was longer or deeper than could be walked;
                              * END: the list is incomplete (the mappings could not be
                              * read, a record was dropped, more than
                              * VIGIL_EXIT_MAPPINGS_MAX) or the process had more than
                              * VIGIL_EXIT_AREAS_MAX areas */
    vigil_u32 padding;
    char path[VIGIL_EXIT_PATH_MAX];
};

struct vigil_profile_config {
    vigil_u32 filter_pids;   /* 1: only processes in profiled_pids (children are added at fork) */
    vigil_u32 filter_cgroup; /* 1: only tasks in the cgroup in profile_cgroup[0], or below it */
    vigil_u32 stack_copy;    /* bytes of user stack to copy, <= VIGIL_STACK_COPY_MAX */
    vigil_u32 include_idle;  /* 1: also sample the idle task (pid 0) */
    vigil_u32 exclude_pid;   /* a process never sampled (Vigil itself in whole-system mode), or 0 */
};

#endif
