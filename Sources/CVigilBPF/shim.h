// libbpf (Debian's libbpf-dev) and Vigil's event ABI headers from bpf/.
#ifndef VIGIL_CVIGILBPF_SHIM_H
#define VIGIL_CVIGILBPF_SHIM_H
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "../../bpf/process_event.h"
#include "../../bpf/syscall_event.h"
#include "../../bpf/net_event.h"
#include "../../bpf/trace_config.h"
#include "../../bpf/profile_event.h"
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

// glibc has no wrapper for perf_event_open(2).
static inline int vigil_perf_event_open(struct perf_event_attr *attr, int pid, int cpu, int group, unsigned long flags) {
    return (int)syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);
}

// glibc's vasprintf, declared by its headers only under _GNU_SOURCE.
int vasprintf(char **strp, const char *format, va_list ap);

// A libbpf message formatted whole, however long (a verifier log can be megabytes,
// with its reason at the end); free() it. NULL when out of memory.
static inline char *vigil_format_message(const char *format, va_list ap) {
    char *text = NULL;
    return vasprintf(&text, format, ap) < 0 ? NULL : text;
}

// The BPF ring buffer's positions and record headers are shared with the kernel:
// read with acquire and published with release ordering, as the kernel's ABI asks.
static inline uint64_t vigil_load_acquire_u64(const void *p) { return __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE); }
static inline uint32_t vigil_load_acquire_u32(const void *p) { return __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE); }
static inline void vigil_store_release_u64(void *p, uint64_t v) { __atomic_store_n((uint64_t *)p, v, __ATOMIC_RELEASE); }

#endif
