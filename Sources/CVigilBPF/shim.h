// libbpf (Debian's libbpf-dev) and Vigil's event ABI headers from bpf/.
#ifndef VIGIL_CVIGILBPF_SHIM_H
#define VIGIL_CVIGILBPF_SHIM_H
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "../../bpf/process_event.h"
#include "../../bpf/syscall_event.h"
#include "../../bpf/net_event.h"
#include "../../bpf/trace_config.h"
#include "../../bpf/profile_event.h"
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

// glibc has no wrapper for perf_event_open(2).
static inline int vigil_perf_event_open(struct perf_event_attr *attr, int pid, int cpu, int group, unsigned long flags) {
    return (int)syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);
}

#endif
