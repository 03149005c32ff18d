/* Event ABI of the network sensor: TCP connect, accept and close. */
#ifndef VIGIL_NET_EVENT_H
#define VIGIL_NET_EVENT_H

#include "event_header.h"

struct vigil_net_event {
    struct vigil_event_header header;  /* the socket's owner: who connected or accepted */
    vigil_u16 family;        /* AF_INET or AF_INET6 */
    vigil_u16 sport;         /* host byte order */
    vigil_u16 dport;         /* host byte order */
    vigil_u16 owner_known;   /* 0: the socket predates tracing; pid and comm are 0 */
    vigil_u8 saddr[16];      /* IPv4 in the first 4 bytes */
    vigil_u8 daddr[16];
    vigil_s32 error;         /* connect: the socket error when it failed, else 0 */
    vigil_u32 padding;
    vigil_u64 bytes_sent;    /* close: bytes acknowledged by the peer */
    vigil_u64 bytes_received;/* close: bytes received */
    vigil_u64 duration_ns;   /* close: from connect or accept to close */
};

#endif
