/* A workload that spends much of its time in PLT stubs: a libc call per iteration
 * that does almost nothing (strlen of a one-byte string, not inlined). */
#include <string.h>

__attribute__((noinline)) unsigned long call_through_plt(long n, const char *s)
{
    unsigned long sum = 0;
    for (long i = 0; i < n; i++)
        sum += strlen(s + (i & 1));
    return sum;
}

int main(int argc, char **argv)
{
    (void)argv;
    /* Exit 0 (vigil profile passes the status on); the sum only keeps the loop. */
    return call_through_plt(300000000L, argc > 5 ? "" : "a") == 1 ? 3 : 0;
}
