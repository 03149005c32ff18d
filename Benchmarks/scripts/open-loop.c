/* The workload of trace-open-overhead.sh: open and close one file N times.
 * With a third argument K, it also prints the fastest of its N/K chunks of K
 * iterations, in ns per iteration: this VM's noise only ever adds time (another
 * tenant, a slower mode lasting a second or two), so the fastest chunk is the
 * steadiest figure of what the loop itself costs. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4)
        return 2;
    long n = atol(argv[2]);
    long chunk = argc == 4 ? atol(argv[3]) : n;
    if (chunk <= 0)
        chunk = n;
    long long best = -1, start = now_ns();
    for (long i = 0; i < n; i++) {
        int fd = open(argv[1], O_RDONLY);
        if (fd < 0)
            return 1;
        close(fd);
        if ((i + 1) % chunk == 0) {
            long long t = now_ns();
            if (best < 0 || t - start < best)
                best = t - start;
            start = t;
        }
    }
    if (argc == 4)
        printf("%.1f\n", (double)best / chunk);
    return 0;
}
