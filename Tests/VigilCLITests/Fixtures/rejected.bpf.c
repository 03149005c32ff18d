/* A program the verifier rejects (it reads memory through a number) after a log
 * far longer than one line: the test checks that Vigil's error says why. */
#define SEC(name) __attribute__((section(name), used))

SEC("tracepoint/syscalls/sys_enter_getpid")
int rejected(void *ctx)
{
    volatile unsigned long x = 0;
#pragma unroll
    for (int i = 0; i < 200; i++)
        x += i;
    return *(int *)(x + 12345);
}

char LICENSE[] SEC("license") = "GPL";
