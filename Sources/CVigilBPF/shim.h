// libbpf (Debian's libbpf-dev) and Vigil's event ABI headers from bpf/.
#ifndef VIGIL_CVIGILBPF_SHIM_H
#define VIGIL_CVIGILBPF_SHIM_H
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "../../bpf/process_event.h"
#include "../../bpf/syscall_event.h"
#include "../../bpf/net_event.h"
#include "../../bpf/trace_config.h"

#endif
