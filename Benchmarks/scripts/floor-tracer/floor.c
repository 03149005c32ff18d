/* Loads floor.bpf.o, attaches one of its programs (argv[2]: nothing or minimal) and,
 * for `minimal`, drains the ring every 10 ms, counting records, until SIGINT;
 * prints "attached" once attached and the count at the end. */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static unsigned long long records;

static void on_signal(int sig) { (void)sig; stop = 1; }
static int on_record(void *ctx, void *data, size_t size) { (void)ctx; (void)data; (void)size; records++; return 0; }

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
    if (!obj)
        return 1;
    struct bpf_program *p;
    bpf_object__for_each_program(p, obj)
        bpf_program__set_autoload(p, strcmp(bpf_program__name(p), argv[2]) == 0);
    if (bpf_object__load(obj))
        return 1;
    struct bpf_program *prog = bpf_object__find_program_by_name(obj, argv[2]);
    if (!prog || !bpf_program__attach(prog))
        return 1;
    struct ring_buffer *rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "ring"), on_record, NULL, NULL);
    if (!rb)
        return 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    printf("attached\n");
    fflush(stdout);
    while (!stop) {
        usleep(10000);
        ring_buffer__consume(rb);
    }
    ring_buffer__consume(rb);
    printf("records %llu\n", records);
    return 0;
}
