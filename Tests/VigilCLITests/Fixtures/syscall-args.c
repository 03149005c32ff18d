/* Syscalls with known arguments in every argument register, for checking what
 * `vigil trace` reports against what the program passed. Prints nothing; the
 * test knows the values. Usage: syscall-args FILE */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    /* flags and mode in the third and fourth registers (dx, r10); glibc passes the
     * mode only with O_CREAT. */
    int fd = openat(AT_FDCWD, argv[1], O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return 1;
    char buf[16];
    /* pread64's offset is the fourth argument (r10). */
    if (pread(fd, buf, 7, 3) < 0)
        return 1;
    /* mmap's flags, fd and offset are the fourth to sixth (r10, r8, r9). */
    void *p = mmap((void *)0, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return 1;
    munmap(p, 4096);
    close(fd);
    struct timespec t = {0, 30 * 1000 * 1000};
    nanosleep(&t, NULL);
    return 0;
}
