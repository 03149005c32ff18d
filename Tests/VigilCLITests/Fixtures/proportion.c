/* Profiling workload with a known answer: alpha, beta and gamma run the same
 * dependent floating-point chain 5000, 3000 and 2000 times per round, so they
 * take 50%, 30% and 20% of the CPU time. Runs until it has used SECONDS of CPU
 * (not wall time: on a loaded machine it still gives as many samples). Usage: proportion SECONDS */
#include <stdlib.h>
#include <time.h>
static double chain(double x, int n) { for (int i = 0; i < n; i++) x = x * 1.0000001 + 0.5; return x; }
__attribute__((noinline)) double alpha(double x) { return chain(x, 5000); }
__attribute__((noinline)) double beta(double x) { return chain(x, 3000); }
__attribute__((noinline)) double gamma_(double x) { return chain(x, 2000); }
static double now(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
    double end = now() + atof(argv[1]), s = 0;
    while (now() < end)
        for (int i = 0; i < 100; i++) s += alpha(i) + beta(i) + gamma_(i);
    return s > 0 ? 0 : 1;
}
