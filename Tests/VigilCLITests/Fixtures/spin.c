/* Profiling workload: leaf() burns CPU, called through middle() and top(), so every
 * sample should show main;top;middle;leaf under glibc's _start. Usage: spin N */
#include <stdlib.h>
__attribute__((noinline)) double leaf(double x) { for (int i = 0; i < 2000; i++) x = x * 1.0000001 + 0.5; return x; }
__attribute__((noinline)) double middle(double x) { return leaf(x) + leaf(x + 1); }
__attribute__((noinline)) double top(double x) { return middle(x) * 0.5; }
int main(int argc, char **argv) { double s = 0; long n = atol(argv[1]); for (long i = 0; i < n; i++) s += top(i); return s > 0 ? 0 : 1; }
