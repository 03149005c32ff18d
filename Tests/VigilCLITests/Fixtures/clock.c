/* A workload that lives in the vDSO: clock_gettime(CLOCK_MONOTONIC) in a loop. */
#include <time.h>

__attribute__((noinline)) long read_clock(long n)
{
    struct timespec t;
    long sum = 0;
    for (long i = 0; i < n; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        sum += t.tv_nsec;
    }
    return sum;
}

int main(void)
{
    /* Exit 0 (vigil profile passes the status on); the sum only keeps the loop. */
    return read_clock(20000000) == 1 ? 3 : 0;
}
