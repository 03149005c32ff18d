/* Opens each path argument and prints what the kernel says it opened: the
 * descriptor and the target of /proc/self/fd/N (the kernel's d_path), one per
 * line, "FD<TAB>PATH". Descriptors stay open, so each number names one file. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0)
            return 100 + i;
        char link[64], target[4096];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
            return 99;
        target[n] = 0;
        printf("%d\t%s\n", fd, target);
    }
    return 0;
}
