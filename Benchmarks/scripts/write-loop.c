/* The workload of fim-overhead.sh: N times open a file for writing (truncating it),
 * write 16 bytes, close it. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    long n = atol(argv[2]);
    for (long i = 0; i < n; i++) {
        int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            return 1;
        if (write(fd, "0123456789abcdef", 16) != 16)
            return 1;
        close(fd);
    }
    return 0;
}
