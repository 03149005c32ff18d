/* Test workload for TCP byte counts: a client connects to a listener this program
 * owns and sends SEND_EARLY bytes before the server calls accept(); the server then
 * sends REPLY bytes and both ends read everything and close. Prints the listener's
 * port and the bytes each side really read and wrote (the ground truth).
 * Usage: late-accept SEND_EARLY REPLY */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static long transfer(int fd, long count, int sending)
{
    char buf[4096];
    memset(buf, 'x', sizeof(buf));
    long done = 0;
    while (done < count) {
        long chunk = count - done < (long)sizeof(buf) ? count - done : (long)sizeof(buf);
        long n = sending ? write(fd, buf, chunk) : read(fd, buf, chunk);
        if (n <= 0)
            break;
        done += n;
    }
    return done;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 100;
    long early = atol(argv[1]), reply = atol(argv[2]);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (bind(listener, (struct sockaddr *)&a, sizeof(a)) || listen(listener, 8) ||
        getsockname(listener, (struct sockaddr *)&a, &len))
        return 101;
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(client, (struct sockaddr *)&a, sizeof(a)))
        return 102;
    long sent_early = transfer(client, early, 1);
    usleep(100000); /* the data is in the accepted socket's queue before accept() */
    int server = accept(listener, NULL, NULL);
    if (server < 0)
        return 103;
    long server_received = transfer(server, early, 0);
    long server_sent = transfer(server, reply, 1);
    long client_received = transfer(client, reply, 0);
    close(server);
    close(client);
    close(listener);
    printf("port %d client_sent %ld client_received %ld server_sent %ld server_received %ld\n",
           ntohs(a.sin_port), sent_early, client_received, server_sent, server_received);
    return 0;
}
