/* Read-only configuration of bpf/trace.bpf.c (const volatile), set before load. */
#ifndef VIGIL_TRACE_CONFIG_H
#define VIGIL_TRACE_CONFIG_H

#include "event_header.h"

#define VIGIL_KILL_RULES 16
#define VIGIL_KILL_VALUE_LEN 128
#define VIGIL_PATH_PREFIXES 8
#define VIGIL_PATH_PREFIX_LEN 128

/* A kill rule, checked at syscall entry (see bpf/trace.bpf.c). */
struct vigil_kill_rule {
    vigil_u32 syscall_nr;    /* the syscall's number */
    vigil_u32 prefix;        /* 1: value is a prefix of the argument; 0: equal */
    vigil_u32 value_len;     /* bytes of value, without the NUL; 0: no string condition */
    vigil_u32 match_uid;     /* 1: only this uid */
    vigil_u32 uid;
    vigil_u32 match_comm;
    char comm[VIGIL_COMM_LEN];
    char value[VIGIL_KILL_VALUE_LEN];
};

/* A path prefix file integrity watches (resolved, absolute). */
struct vigil_path_prefix {
    vigil_u32 len;           /* bytes of path, 1..VIGIL_PATH_PREFIX_LEN - 1 */
    char path[VIGIL_PATH_PREFIX_LEN];
};

struct vigil_trace_config {
    vigil_u32 args_size;     /* argv bytes to capture per exec, < 4096 */
    vigil_u32 filter_pids;   /* 1: only processes in tracked_pids (and their children) */
    vigil_u32 follow_children;
    vigil_u32 events;        /* bit (1 << kind) for each process/network kind to emit */
    vigil_u32 process_records; /* 1: emit exec, fork and exit whatever `events` says: the
                                  process cache needs them (user space writes only `events`) */
    vigil_u32 wakeup_bytes_per_cpu; /* each CPU wakes the consumer once per this many bytes it submits */
    vigil_u32 filter_uid;    /* 1: only events whose real uid is `uid` */
    vigil_u32 uid;
    vigil_u32 filter_comm;   /* 1: only events whose comm is `comm` */
    vigil_u32 filter_cgroup; /* 1: only tasks in the cgroup in cgroup_filter[0], or below it */
    vigil_u32 filter_exe;    /* 1: only processes in exe_pids (their executable is the one asked for) */
    char comm[VIGIL_COMM_LEN];
    char exe[256];           /* the executable path for filter_exe */
    vigil_u32 exe_len;
    vigil_u32 kill_rules;    /* slots used in kill */
    struct vigil_kill_rule kill[VIGIL_KILL_RULES];
    vigil_u32 path_prefixes; /* prefixes used; 0: WATCH_FILTER and WATCH_MARK pass every path */
    struct vigil_path_prefix prefix[VIGIL_PATH_PREFIXES];
};

#endif
