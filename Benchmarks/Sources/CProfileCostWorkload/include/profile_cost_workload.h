/* A thread of this process caught inside nested C functions built with
 * -fomit-frame-pointer (unwind tables only), its registers and the top of its
 * stack copied as bpf/profile.bpf.c copies them: what VigilProfileCost unwinds. */
#ifndef PROFILE_COST_WORKLOAD_H
#define PROFILE_COST_WORKLOAD_H

#include <stdint.h>

#define PROFILE_COST_STACK_COPY 16384

struct profile_cost_capture {
    uint64_t ip;
    uint64_t sp;
    uint64_t bp;
    uint32_t stack_len;   /* bytes copied from sp: 16384, or half that and so on near the top */
    uint32_t depth;       /* recursion depth asked for */
};

/* Starts a thread that calls four distinct functions and then recurses `depth`
 * times before spinning in a leaf; a signal interrupts it there and its handler
 * copies rip, rsp, rbp and the stack above rsp. Returns 0, or -1 on failure. */
int profile_cost_capture_stack(uint32_t depth, struct profile_cost_capture *out,
                               unsigned char stack[PROFILE_COST_STACK_COPY]);

#endif
