// SPDX-License-Identifier: GPL-2.0
// The sensors of `vigil trace` in one object, so they share the ring buffer, the
// loss counters and the in-kernel filters. User space loads only the programs of
// the sources asked for.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

#include "trace_common.bpf.h"
#include "vfs.bpf.h"
#include "syscalls.bpf.h"
#include "process.bpf.h"
#include "net.bpf.h"
