/* Event ABI of the syscall and file sensors: one record per traced syscall,
 * emitted at exit with the arguments saved at entry, the return value and the
 * user memory the kernel has used (strings, buffers, socket addresses). */
#ifndef VIGIL_SYSCALL_EVENT_H
#define VIGIL_SYSCALL_EVENT_H

#include "event_header.h"

#define VIGIL_SYSCALL_ARGS 6
/* Syscall numbers the sensors can trace: 0 .. VIGIL_SYSCALL_NR_MAX - 1. */
#define VIGIL_SYSCALL_NR_MAX 1024
/* Bytes of captured data per record, and per capture. */
#define VIGIL_CAPTURE_DATA 8192
#define VIGIL_CAPTURE_MAX 4096

/* How an argument is captured (vigil_syscall_config.arg_kind). */
enum vigil_arg_kind {
    VIGIL_ARG_VALUE = 0,     /* the register value only */
    VIGIL_ARG_STRING = 1,    /* NUL-terminated user string */
    VIGIL_ARG_BUFFER = 2,    /* user bytes; length from size_arg, or the return value for outputs */
    VIGIL_ARG_SOCKADDR = 3,  /* struct sockaddr, length from size_arg */
};

/* Captures that are not an argument's memory. */
enum vigil_capture_source {
    VIGIL_CAPTURE_ARG0 = 0,        /* 0..5: argument i */
    VIGIL_CAPTURE_RET_FD_PATH = 6, /* the path of the file descriptor returned */
    VIGIL_CAPTURE_ARG_FD_PATH = 7, /* the path of the file descriptor in argument fd_arg */
    VIGIL_CAPTURE_DIR0 = 8,        /* the directory relative paths resolve against: dir_arg[0] */
    VIGIL_CAPTURE_DIR1 = 9,        /* the same for dir_arg[1] (rename's new path) */
};

/* File integrity (vigil_syscall_config.watch). Every mode drops failed calls. */
enum vigil_watch_mode {
    VIGIL_WATCH_NONE = 0,
    VIGIL_WATCH_NAMES = 1,    /* calls on paths by name: all successful ones (user space matches them) */
    VIGIL_WATCH_FILTER = 2,   /* only when the resolved fd path starts with a watched prefix */
    VIGIL_WATCH_MARK = 3,     /* FILTER on regular files, which become watched inodes; only opens that
                                 created (always) or truncated (at most once a second per file) are emitted */
    VIGIL_WATCH_MARKED = 4,   /* only calls on an fd whose inode is watched, at most once a second per file
                                 (a file just created or marked: its first one) */
};

#define VIGIL_DIR_CWD 0xfe         /* dir_arg: the caller's working directory */
#define VIGIL_NO_ARG 0xff

#define VIGIL_SIZE_FROM_RET 0xff   /* size_arg: the length is the return value */

/* Per traced syscall, keyed by its number. Written by user space from the
 * kernel's tracepoint formats before attaching. */
struct vigil_syscall_config {
    vigil_u32 kind;                       /* enum vigil_event_kind of its records; 0: not emitted (kill only) */
    vigil_u8 arg_kind[VIGIL_SYSCALL_ARGS];
    vigil_u8 size_arg[VIGIL_SYSCALL_ARGS];/* for BUFFER/SOCKADDR: index of the length argument */
    vigil_u8 resolve;                     /* 0, VIGIL_CAPTURE_RET_FD_PATH or VIGIL_CAPTURE_ARG_FD_PATH */
    vigil_u8 fd_arg;                      /* which argument is the fd, for ARG_FD_PATH */
    vigil_u8 kill_arg;                    /* the string argument kill rules match, 0xff: none */
    vigil_u8 only_failures;               /* 1: emit only when ret < 0 (failed execs) */
    vigil_u32 string_size;                /* bytes of strings to capture, <= VIGIL_CAPTURE_MAX */
    vigil_u32 buffer_size;                /* bytes of buffers to capture, <= VIGIL_CAPTURE_MAX */
    vigil_u8 flags_arg;                   /* VIGIL_NO_ARG, or: emit only when args[flags_arg] & flags_mask */
    vigil_u8 watch;                       /* enum vigil_watch_mode */
    vigil_u8 dir_arg[2];                  /* dirfd argument index, VIGIL_DIR_CWD or VIGIL_NO_ARG: captured as DIR0/DIR1 */
    vigil_u32 flags_mask;
    vigil_u32 traced;                     /* 1: the entry program looks at this syscall */
    vigil_u32 exit_only;                  /* 1: no entry program; arguments are read from the
                                             task's saved registers at exit, no duration */
};

/* duration_ns of a call traced at exit only: nothing timed its entry. */
#define VIGIL_DURATION_UNKNOWN 0xffffffffffffffffULL

/* In vigil_capture.padding of a resolved path: the open created the file. */
#define VIGIL_CAPTURE_CREATED 0x100
/* The kernel's FMODE_CREATED (include/linux/fs.h, 1 << 20 since 4.19). */
#define VIGIL_FMODE_CREATED (1u << 20)

/* One capture inside vigil_syscall_event.data, 8-byte aligned; `len` bytes follow. */
struct vigil_capture {
    vigil_u8 source;      /* argument index or enum vigil_capture_source */
    vigil_u8 truncated;   /* 1 when the data was longer than captured */
    vigil_u16 len;        /* bytes that follow (strings without their NUL) */
    vigil_u32 padding;    /* resolved paths: the file type (S_IFMT >> 12), | VIGIL_CAPTURE_CREATED */
};

struct vigil_syscall_event {
    struct vigil_event_header header;
    vigil_u32 syscall_nr;   /* the syscall's number */
    vigil_u32 killed;       /* 1 when a kill rule sent SIGKILL at entry */
    vigil_s64 ret;
    vigil_u64 duration_ns;
    vigil_u64 args[VIGIL_SYSCALL_ARGS];
    vigil_u32 data_len;     /* bytes used in data */
    vigil_u32 ncaptures;
    char data[VIGIL_CAPTURE_DATA + VIGIL_CAPTURE_MAX + 16];
};

#endif
