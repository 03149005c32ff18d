/* Common part of every event `vigil trace` receives from the kernel, shared by
 * bpf/trace.bpf.c and Swift (through the CVigilBPF module). Fixed-width fields
 * only; Swift reads records in place. */
#ifndef VIGIL_EVENT_HEADER_H
#define VIGIL_EVENT_HEADER_H

#ifdef __bpf__
typedef __u8 vigil_u8;
typedef __u16 vigil_u16;
typedef __u32 vigil_u32;
typedef __s32 vigil_s32;
typedef __u64 vigil_u64;
typedef __s64 vigil_s64;
#else
#include <stdint.h>
typedef uint8_t vigil_u8;
typedef uint16_t vigil_u16;
typedef uint32_t vigil_u32;
typedef int32_t vigil_s32;
typedef uint64_t vigil_u64;
typedef int64_t vigil_s64;
#endif

#define VIGIL_COMM_LEN 16

/* The record kinds in the ring buffer; also the index of the per-kind loss counters. */
enum vigil_event_kind {
    VIGIL_EVENT_EXEC = 1,
    VIGIL_EVENT_FORK = 2,
    VIGIL_EVENT_EXIT = 3,
    VIGIL_EVENT_SYSCALL = 4,  /* struct vigil_syscall_event */
    VIGIL_EVENT_OPEN = 5,     /* struct vigil_syscall_event of an open-like syscall */
    VIGIL_EVENT_READ = 6,     /* struct vigil_syscall_event of a read-like syscall */
    VIGIL_EVENT_WRITE = 7,    /* struct vigil_syscall_event of a write-like syscall */
    VIGIL_EVENT_CONNECT = 8,  /* struct vigil_net_event */
    VIGIL_EVENT_ACCEPT = 9,   /* struct vigil_net_event */
    VIGIL_EVENT_CLOSE = 10,   /* struct vigil_net_event */
    VIGIL_EVENT_EXEC_FAILED = 11, /* struct vigil_syscall_event of execve/execveat that failed */
    VIGIL_EVENT_KIND_COUNT = 12,
};

/* Who caused the event and when. */
struct vigil_event_header {
    vigil_u32 kind;          /* enum vigil_event_kind */
    vigil_u32 pid;           /* thread group id */
    vigil_u32 tid;
    vigil_u32 ppid;          /* real parent's thread group id */
    vigil_u32 uid;
    vigil_u32 gid;
    vigil_u64 cgroup_id;     /* cgroup v2 id of the task */
    vigil_u64 timestamp_ns;  /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME */
    char comm[VIGIL_COMM_LEN];
};

#endif
