/* Test workload for `vigil trace`: does exactly what its arguments say, so the
 * test knows the ground truth. Usage: workload PATH OPENS PORT CONNECTS CHILDREN EXIT_CODE
 * Opens PATH (as given, possibly relative) OPENS times, connects to 127.0.0.1:PORT
 * CONNECTS times, forks CHILDREN children that each exec /bin/true, and exits. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 7)
        return 100;
    const char *path = argv[1];
    int opens = atoi(argv[2]), port = atoi(argv[3]), connects = atoi(argv[4]), children = atoi(argv[5]);
    for (int i = 0; i < opens; i++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            return 101;
        close(fd);
    }
    for (int i = 0; i < connects; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) != 0)
            return 102;
        close(s);
    }
    for (int i = 0; i < children; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            char *args[] = {"/bin/true", NULL};
            execv("/bin/true", args);
            _exit(103);
        }
        int status;
        waitpid(pid, &status, 0);
    }
    return atoi(argv[6]);
}
