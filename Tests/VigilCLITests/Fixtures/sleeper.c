/* Off-CPU workload with a known answer: wait_here() sleeps 10 × 100 ms in
 * nanosleep, between bursts of CPU in burn(). Usage: sleeper
 * settle() first waits 200 ms outside wait_here. It was added when CI once saw the
 * first 100 ms sleep cut at libc's clock_nanosleep ("[user unwind failed]"): the
 * profiler had read the new process's mappings before the loader mapped libc, and
 * re-read them at most every 20 ms. A sample newer than the copy now re-reads it
 * (LateMappingTests); the settle keeps the measured sleeps apart from start-up. */
#include <time.h>
__attribute__((noinline)) void settle(void) { struct timespec t = { 0, 200 * 1000000L }; nanosleep(&t, 0); }
__attribute__((noinline)) void wait_here(int ms) { struct timespec t = { 0, ms * 1000000L }; nanosleep(&t, 0); }
__attribute__((noinline)) double burn(void) { double x = 1; for (int i = 0; i < 2000000; i++) x = x * 1.0000001 + 0.5; return x; }
int main(void) { double s = 0; settle(); for (int i = 0; i < 10; i++) { wait_here(100); s += burn(); } return s > 0 ? 0 : 1; }
