/* The workload of profile-exit-areas.sh: maps N pages with alternating protections,
 * so no two neighbours merge and the process has about N memory areas, burns CPU
 * for a second so the profiler samples it, and exits. */
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    int n = atoi(argv[1]);
    char *base = mmap(0, (size_t)n * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        return 1;
    for (int i = 0; i < n; i += 2)
        mprotect(base + (size_t)i * 4096, 4096, PROT_READ | PROT_WRITE);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 1000000; i++)
            x += i;
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < 1);
    return 0;
}
