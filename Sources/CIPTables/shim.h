// libiptc (libip4tc-dev): the iptables rule set in the kernel's x_tables, as the
// iptables-legacy command reads it. Helpers walk a rule's matches, which follow
// the fixed ipt_entry and are sized by their own header (no Swift view of that).
#ifndef VIGIL_CIPTABLES_SHIM_H
#define VIGIL_CIPTABLES_SHIM_H
#include <stddef.h>
#include <libiptc/libiptc.h>
#include <linux/netfilter/xt_tcpudp.h>

/// The index-th match of a rule, or NULL past the last one.
static inline const struct xt_entry_match *vigil_ipt_match(const struct ipt_entry *e, unsigned index) {
    unsigned offset = sizeof(struct ipt_entry);
    unsigned i = 0;
    while (offset + sizeof(struct xt_entry_match) <= e->target_offset) {
        const struct xt_entry_match *m = (const struct xt_entry_match *)((const char *)e + offset);
        if (m->u.match_size < sizeof(struct xt_entry_match)) return NULL;
        if (i == index) return m;
        offset += m->u.match_size;
        i++;
    }
    return NULL;
}

/// The match's extension name ("tcp", "udp", "conntrack", ...).
static inline const char *vigil_ipt_match_name(const struct xt_entry_match *m) { return m->u.user.name; }

/// Source and destination port ranges of a tcp or udp match (4 values: spts, dpts).
static inline void vigil_ipt_match_ports(const struct xt_entry_match *m, unsigned short out[4]) {
    const struct xt_tcp *tcp = (const struct xt_tcp *)m->data;  /* xt_udp starts the same way */
    out[0] = tcp->spts[0]; out[1] = tcp->spts[1]; out[2] = tcp->dpts[0]; out[3] = tcp->dpts[1];
}
#endif
