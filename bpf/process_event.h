/* Event ABI of the process sensor (exec, fork, exit). */
#ifndef VIGIL_PROCESS_EVENT_H
#define VIGIL_PROCESS_EVENT_H

#include "event_header.h"

#define VIGIL_FILENAME_LEN 256
/* Upper bound of captured argv bytes; the configured size may be smaller. */
#define VIGIL_ARGS_MAX 4096

struct vigil_exec_event {
    struct vigil_event_header header;
    vigil_u32 filename_len;  /* bytes in filename, without the NUL */
    vigil_u32 args_len;      /* bytes in args: NUL-separated argv */
    vigil_u32 args_truncated;/* 1 when argv was longer than the configured size */
    vigil_u32 old_pid;       /* pid before exec (differs when a thread execs) */
    vigil_u32 exe_len;       /* bytes in exe, without the NUL */
    vigil_u32 exe_truncated; /* 1 when the executable's path was longer than exe */
    char filename[VIGIL_FILENAME_LEN];
    char exe[VIGIL_FILENAME_LEN]; /* the executable's absolute path, resolved in the kernel */
    char args[VIGIL_ARGS_MAX];
};

struct vigil_fork_event {
    struct vigil_event_header header; /* the parent */
    vigil_u32 child_pid;
    vigil_u32 child_tid;
};

struct vigil_exit_event {
    struct vigil_event_header header;
    vigil_s32 exit_code;     /* wait status: (code << 8) | termination signal */
    vigil_u32 padding;
    vigil_u64 lifetime_ns;   /* from process start to exit */
};

#endif
