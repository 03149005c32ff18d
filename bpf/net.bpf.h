/* Network sensor: TCP connect, accept and close. The state changes come from
 * sock:inet_sock_set_state, which often runs in softirq context where the current
 * task is not the socket's owner; so the owner is recorded where it is known (the
 * connect() call that moves a socket to SYN_SENT, the accept() that returns it)
 * and reused for the socket's later events. */
#include "net_event.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define S_IFSOCK_TYPE 0xc

/* Who owns each traced socket, since when, its 4-tuple (the local port is gone
 * by the time a closing socket reaches TCP_CLOSE) and its byte counters then. */
struct sock_owner {
    struct vigil_event_header header;
    __u64 start_ns;
    __u64 base_acked;
    __u64 base_received;
    __u16 family;
    __u16 sport;
    __u16 dport;
    __u16 padding;
    __u8 saddr[16];
    __u8 daddr[16];
};
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 65536);
    __type(key, __u64);
    __type(value, struct sock_owner);
} sockets SEC(".maps");

/* Traced sockets whose side has begun to close (FIN_WAIT1, CLOSING, LAST_ACK) and
 * not yet reached TCP_CLOSE. A process's close() returns before its connection is
 * closed (that waits for the peer's ACK, in softirq or ksoftirqd, milliseconds later
 * on a busy host): user space keeps reading after a traced command exits until
 * this map is empty, so those closes are reported, not cut off. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 65536);
    __type(key, __u64);
    __type(value, __u8);
} closing_sockets SEC(".maps");

/* Where an owner is assembled (too big for the stack with the rest). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct sock_owner);
} owner_space SEC(".maps");

static __always_inline bool tcp_inet(const struct sock *sk)
{
    __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    return BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP && (family == AF_INET || family == AF_INET6);
}

static __always_inline bool network_wanted(void)
{
    return vigil_config.events &
           ((1 << VIGIL_EVENT_CONNECT) | (1 << VIGIL_EVENT_ACCEPT) | (1 << VIGIL_EVENT_CLOSE));
}

#define SOCK_DONE_BIT 1     /* sk_flags: the peer's FIN arrived */
#define SEND_SHUTDOWN 2     /* sk_shutdown: our FIN is queued or sent */

/* Reads the 4-tuple of sk into an owner record. */
static __always_inline void read_tuple(const struct sock *sk, struct sock_owner *o)
{
    __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    o->family = family;
    o->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
    o->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
    __builtin_memset(o->saddr, 0, sizeof(o->saddr));
    __builtin_memset(o->daddr, 0, sizeof(o->daddr));
    if (family == AF_INET) {
        BPF_CORE_READ_INTO((__u32 *)o->saddr, sk, __sk_common.skc_rcv_saddr);
        BPF_CORE_READ_INTO((__u32 *)o->daddr, sk, __sk_common.skc_daddr);
    } else {
        BPF_CORE_READ_INTO(&o->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
        BPF_CORE_READ_INTO(&o->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
    }
}

/* Records the current task as the owner of sk. A connecting socket counts from
 * here (its SYN is not data); an accepted one from zero: its counters began with
 * the connection, and data may have arrived before accept() returned it. */
static __always_inline void remember_owner(const struct sock *sk, __u32 kind, struct task_struct *task)
{
    __u32 zero = 0;
    struct sock_owner *o = bpf_map_lookup_elem(&owner_space, &zero);
    if (!o)
        return;
    fill_header(&o->header, kind, task);
    o->start_ns = o->header.timestamp_ns;
    read_tuple(sk, o);
    const struct tcp_sock *tp = (const struct tcp_sock *)sk;
    bool accepted = kind == VIGIL_EVENT_ACCEPT;
    o->base_acked = accepted ? 0 : BPF_CORE_READ(tp, bytes_acked);
    o->base_received = accepted ? 0 : BPF_CORE_READ(tp, bytes_received);
    __u64 key = (__u64)sk;
    bpf_map_update_elem(&sockets, &key, o, BPF_ANY);
}

/* Refreshes the tuple and counters once a connect completes (the SYN is acked). */
static __always_inline void connection_established(const struct sock *sk, struct sock_owner *o)
{
    read_tuple(sk, o);
    const struct tcp_sock *tp = (const struct tcp_sock *)sk;
    o->base_acked = BPF_CORE_READ(tp, bytes_acked);
    o->base_received = BPF_CORE_READ(tp, bytes_received);
}

static __always_inline void emit_net(const struct sock *sk, __u32 kind, struct sock_owner *owner, __s32 error)
{
    if (!(vigil_config.events & (1 << kind)))
        return;
    struct vigil_net_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e) {
        count_lost(kind);
        return;
    }
    __u64 now = bpf_ktime_get_boot_ns();
    __u32 zero = 0;
    struct sock_owner *tuple = owner;
    if (owner) {
        e->header = owner->header;
        e->owner_known = 1;
        e->duration_ns = now - owner->start_ns;
    } else {
        __builtin_memset(&e->header, 0, sizeof(e->header));
        e->owner_known = 0;
        e->duration_ns = 0;
        tuple = bpf_map_lookup_elem(&owner_space, &zero);
        if (!tuple) {
            bpf_ringbuf_discard(e, 0);
            return;
        }
        read_tuple(sk, tuple);
        tuple->base_acked = 0;
        tuple->base_received = 0;
    }
    e->header.kind = kind;
    e->header.timestamp_ns = now;
    e->family = tuple->family;
    e->sport = tuple->sport;
    e->dport = tuple->dport;
    __builtin_memcpy(e->saddr, tuple->saddr, sizeof(e->saddr));
    __builtin_memcpy(e->daddr, tuple->daddr, sizeof(e->daddr));
    e->error = error;
    e->padding = 0;
    if (kind == VIGIL_EVENT_CLOSE) {
        /* The kernel's counters advance by one for a SYN and for each FIN, which
         * are not data: count from the connection's start and drop the FINs. */
        const struct tcp_sock *tp = (const struct tcp_sock *)sk;
        __u64 acked = BPF_CORE_READ(tp, bytes_acked) - tuple->base_acked;
        __u64 received = BPF_CORE_READ(tp, bytes_received) - tuple->base_received;
        bool fin_acked = (BPF_CORE_READ(sk, sk_shutdown) & SEND_SHUTDOWN) &&
                         BPF_CORE_READ(tp, snd_una) == BPF_CORE_READ(tp, write_seq);
        bool fin_received = BPF_CORE_READ(sk, __sk_common.skc_flags) & (1UL << SOCK_DONE_BIT);
        e->bytes_sent = acked >= fin_acked ? acked - fin_acked : 0;
        e->bytes_received = received >= fin_received ? received - fin_received : 0;
    } else {
        e->bytes_sent = 0;
        e->bytes_received = 0;
        e->duration_ns = 0;
    }
    bpf_ringbuf_submit(e, submit_flags(sizeof(*e)));
}

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_FIN_WAIT1 4
#define TCP_CLOSE 7
#define TCP_LAST_ACK 9
#define TCP_LISTEN 10
#define TCP_CLOSING 11

/* A socket is starting its life at sk (a connect, or a connection a listener has
 * just cloned): an entry still there belongs to an earlier socket at the same
 * address whose TCP_CLOSE this program never ran for (the kernel skips a program
 * that is already running on this CPU, counting it in the program's
 * recursion_misses, which user space reports). Left in place, the new socket,
 * whoever owns it, would be reported as the old owner's: a connect the traced
 * process never made. */
static __always_inline void forget_stale(__u64 key)
{
    if (bpf_map_lookup_elem(&sockets, &key)) {
        bpf_map_delete_elem(&sockets, &key);
        bpf_map_delete_elem(&closing_sockets, &key);
    }
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_tcp_state, const struct sock *sk, const int oldstate, const int newstate)
{
    if (!network_wanted() || !tcp_inet(sk))
        return 0;
    __u64 key = (__u64)sk;
    if (newstate == TCP_SYN_SENT) {
        /* Inside connect(): the current task is the owner. */
        struct task_struct *task = bpf_get_current_task_btf();
        if (task_wanted(bpf_get_current_pid_tgid() >> 32, task))
            remember_owner(sk, VIGIL_EVENT_CONNECT, task);
        else
            forget_stale(key);
        return 0;
    }
    if (oldstate == TCP_SYN_SENT) {
        struct sock_owner *o = bpf_map_lookup_elem(&sockets, &key);
        if (!o)
            return 0;
        __s32 error = newstate == TCP_ESTABLISHED ? 0 : BPF_CORE_READ(sk, sk_err);
        if (newstate == TCP_ESTABLISHED)
            connection_established(sk, o);
        emit_net(sk, VIGIL_EVENT_CONNECT, o, error);
        if (newstate != TCP_ESTABLISHED)
            bpf_map_delete_elem(&sockets, &key);
        return 0;
    }
    if (newstate == TCP_SYN_RECV) { /* a listener's new connection */
        forget_stale(key);
        return 0;
    }
    if (newstate == TCP_FIN_WAIT1 || newstate == TCP_CLOSING || newstate == TCP_LAST_ACK) {
        __u8 one = 1;
        if (bpf_map_lookup_elem(&sockets, &key))
            bpf_map_update_elem(&closing_sockets, &key, &one, BPF_ANY);
        return 0;
    }
    if (newstate == TCP_CLOSE && oldstate != TCP_LISTEN && oldstate != TCP_SYN_RECV) {
        struct sock_owner *o = bpf_map_lookup_elem(&sockets, &key);
        /* Sockets from before tracing started have no known owner: reported as
         * such without filters, skipped with them (they cannot be attributed). */
        if (o || !any_process_filter())
            emit_net(sk, VIGIL_EVENT_CLOSE, o, 0);
        if (o) {
            bpf_map_delete_elem(&sockets, &key);
            bpf_map_delete_elem(&closing_sockets, &key);
        }
    }
    return 0;
}

/* accept()/accept4() returned a connected socket: the caller owns it. Attached to
 * syscalls:sys_exit_accept and sys_exit_accept4. */
SEC("tracepoint")
int accept_exit(struct syscall_exit_args *ctx)
{
    if (ctx->ret < 0 || !network_wanted())
        return 0;
    struct task_struct *task = bpf_get_current_task_btf();
    if (!task_wanted(bpf_get_current_pid_tgid() >> 32, task))
        return 0;
    struct file *f = fd_file(task, ctx->ret);
    if (!f || ((BPF_CORE_READ(f, f_inode, i_mode) >> 12) & 0xf) != S_IFSOCK_TYPE)
        return 0;
    struct socket *sock = BPF_CORE_READ(f, private_data);
    struct sock *sk = BPF_CORE_READ(sock, sk);
    if (!sk || !tcp_inet(sk))
        return 0;
    remember_owner(sk, VIGIL_EVENT_ACCEPT, task);
    __u64 key = (__u64)sk;
    struct sock_owner *o = bpf_map_lookup_elem(&sockets, &key);
    emit_net(sk, VIGIL_EVENT_ACCEPT, o, 0);
    return 0;
}
