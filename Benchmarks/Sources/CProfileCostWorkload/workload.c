#define _GNU_SOURCE
#include "profile_cost_workload.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <ucontext.h>

static volatile uint64_t sink;
static atomic_int spinning;
static atomic_int stop;
static atomic_int captured;
static struct profile_cost_capture *target;
static unsigned char *target_stack;
static uintptr_t stack_top;

/* Runs on the spinning thread, on its own stack below the interrupted frames:
 * the bytes from the interrupted rsp upward are the frames to unwind. */
static void on_signal(int sig, siginfo_t *info, void *context) {
    (void)sig; (void)info;
    ucontext_t *uc = context;
    target->ip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    target->sp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
    target->bp = (uint64_t)uc->uc_mcontext.gregs[REG_RBP];
    /* As the BPF program: 16 KiB, or half as much while that runs past the stack's top. */
    target->stack_len = 0;
    for (uint32_t n = PROFILE_COST_STACK_COPY; n >= 512; n >>= 1) {
        if (target->sp + n <= stack_top) {
            memcpy(target_stack, (const void *)(uintptr_t)target->sp, n);
            target->stack_len = n;
            break;
        }
    }
    atomic_store(&captured, 1);
}

__attribute__((noinline)) static uint64_t spin(void) {
    atomic_store(&spinning, 1);
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) sink++;
    return sink;
}

/* Work after each call keeps the calls from becoming jumps; a local whose address
 * the callee gets keeps the recursion from becoming a loop. */
__attribute__((noinline)) static uint64_t descend(uint32_t n, volatile uint64_t *above) {
    volatile uint64_t local = n + *above;
    if (n == 0) return spin() + local;
    return descend(n - 1, &local) + local;
}
__attribute__((noinline)) static uint64_t level_d(uint32_t n) { volatile uint64_t start = 1; return descend(n, &start) * 3 + sink; }
__attribute__((noinline)) static uint64_t level_c(uint32_t n) { return level_d(n) ^ sink; }
__attribute__((noinline)) static uint64_t level_b(uint32_t n) { return level_c(n) + 7 * sink; }
__attribute__((noinline)) static uint64_t level_a(uint32_t n) { return level_b(n) - sink; }

static void *thread_main(void *arg) {
    /* The creating thread may block signals (the benchmark runs on a dispatch
     * worker, which blocks most): this one must take SIGUSR2. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *base; size_t size;
        pthread_attr_getstack(&attr, &base, &size);
        stack_top = (uintptr_t)base + size;
        pthread_attr_destroy(&attr);
    }
    sink += level_a((uint32_t)(uintptr_t)arg);
    return NULL;
}

int profile_cost_capture_stack(uint32_t depth, struct profile_cost_capture *out,
                               unsigned char stack[PROFILE_COST_STACK_COPY]) {
    struct sigaction action, previous;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_signal;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGUSR2, &action, &previous) != 0) return -1;

    target = out;
    target_stack = stack;
    out->depth = depth;
    atomic_store(&spinning, 0);
    atomic_store(&stop, 0);
    atomic_store(&captured, 0);
    pthread_t thread;
    if (pthread_create(&thread, NULL, thread_main, (void *)(uintptr_t)depth) != 0) {
        sigaction(SIGUSR2, &previous, NULL);
        return -1;
    }
    while (!atomic_load(&spinning)) {}
    pthread_kill(thread, SIGUSR2);
    while (!atomic_load(&captured)) {}
    atomic_store(&stop, 1);
    pthread_join(thread, NULL);
    sigaction(SIGUSR2, &previous, NULL);
    return out->stack_len > 0 ? 0 : -1;
}
