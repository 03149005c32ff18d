/* Event ABI of the process sensor, shared by bpf/process.bpf.c and Swift (through
 * the CVigilBPF module). Fixed-width fields only; Swift reads records in place. */
#ifndef VIGIL_PROCESS_EVENT_H
#define VIGIL_PROCESS_EVENT_H

#ifdef __bpf__
typedef __u8 vigil_u8;
typedef __u32 vigil_u32;
typedef __s32 vigil_s32;
typedef __u64 vigil_u64;
#else
#include <stdint.h>
typedef uint8_t vigil_u8;
typedef uint32_t vigil_u32;
typedef int32_t vigil_s32;
typedef uint64_t vigil_u64;
#endif

#define VIGIL_COMM_LEN 16
#define VIGIL_FILENAME_LEN 256
/* Upper bound of captured argv bytes; the configured size may be smaller. */
#define VIGIL_ARGS_MAX 4096

enum vigil_process_kind {
    VIGIL_PROCESS_EXEC = 1,
    VIGIL_PROCESS_FORK = 2,
    VIGIL_PROCESS_EXIT = 3,
    VIGIL_PROCESS_KIND_COUNT = 4,
};

/* Common to every process event. */
struct vigil_process_header {
    vigil_u32 kind;          /* enum vigil_process_kind */
    vigil_u32 pid;           /* thread group id */
    vigil_u32 tid;
    vigil_u32 ppid;          /* real parent's thread group id */
    vigil_u32 uid;
    vigil_u32 gid;
    vigil_u64 cgroup_id;     /* cgroup v2 id of the task */
    vigil_u64 timestamp_ns;  /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME */
    char comm[VIGIL_COMM_LEN];
};

struct vigil_exec_event {
    struct vigil_process_header header;
    vigil_u32 filename_len;  /* bytes in filename, without the NUL */
    vigil_u32 args_len;      /* bytes in args: NUL-separated argv */
    vigil_u32 args_truncated;/* 1 when argv was longer than the configured size */
    vigil_u32 old_pid;       /* pid before exec (differs when a thread execs) */
    char filename[VIGIL_FILENAME_LEN];
    char args[VIGIL_ARGS_MAX];
};

struct vigil_fork_event {
    struct vigil_process_header header; /* the parent */
    vigil_u32 child_pid;
    vigil_u32 child_tid;
};

struct vigil_exit_event {
    struct vigil_process_header header;
    vigil_s32 exit_code;     /* wait status: (code << 8) | termination signal */
    vigil_u32 padding;
    vigil_u64 lifetime_ns;   /* from process start to exit */
};

/* Read-only configuration, set before load (const volatile in BPF). */
struct vigil_process_config {
    vigil_u32 args_size;     /* argv bytes to capture, <= VIGIL_ARGS_MAX */
    vigil_u32 filter_pids;   /* 1: only processes in tracked_pids (and their children) */
    vigil_u32 follow_children;
    vigil_u32 events;        /* bit (1 << kind) for each kind to emit */
    vigil_u32 wakeup_bytes;  /* wake the consumer only once this much is queued */
    vigil_u32 filter_uid;    /* 1: only events whose real uid is `uid` */
    vigil_u32 uid;
    vigil_u32 filter_comm;   /* 1: only events whose comm is `comm` */
    vigil_u32 filter_cgroup; /* 1: only tasks in the cgroup in cgroup_filter[0], or below it */
    char comm[VIGIL_COMM_LEN];
};

#endif
