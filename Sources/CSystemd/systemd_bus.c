// The systemd manager over sd-bus, through a dlopen'd libsystemd (see CSystemd.h).
// Calls are sent asynchronously and the bus is driven here against a deadline:
// sd_bus_call's own timeout does not cover authentication, which a hung manager
// would stretch to sd-bus's default of 25 s or more.
#define _GNU_SOURCE
#include "CSystemd.h"
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

static struct {
    __typeof__(&sd_bus_new) new_bus;
    __typeof__(&sd_bus_set_address) set_address;
    __typeof__(&sd_bus_start) start;
    __typeof__(&sd_bus_open_system) open_system;
    __typeof__(&sd_bus_close_unref) close_unref;
    __typeof__(&sd_bus_get_fd) get_fd;
    __typeof__(&sd_bus_process) process;
    __typeof__(&sd_bus_wait) wait;
    __typeof__(&sd_bus_call_async) call_async;
    __typeof__(&sd_bus_slot_unref) slot_unref;
    __typeof__(&sd_bus_message_new_method_call) new_method_call;
    __typeof__(&sd_bus_message_append) append;
    __typeof__(&sd_bus_message_ref) message_ref;
    __typeof__(&sd_bus_message_unref) message_unref;
    __typeof__(&sd_bus_message_get_error) get_error;
    __typeof__(&sd_bus_message_enter_container) enter;
    __typeof__(&sd_bus_message_exit_container) exit;
    __typeof__(&sd_bus_message_read) read;
} api;
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *handle = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
    // Not the flushing close: a flush waits, without a bound, on a peer that reads
    // nothing. sd_bus_close_unref is systemd 241's; before it sd_bus_unref closes
    // the last reference.
    api.close_unref = (__typeof__(api.close_unref))dlsym(handle, "sd_bus_close_unref");
    if (!api.close_unref) api.close_unref = (__typeof__(api.close_unref))dlsym(handle, "sd_bus_unref");
    const struct {
        void **slot;
        const char *name;
    } symbols[] = {
        {(void **)&api.new_bus, "sd_bus_new"}, {(void **)&api.set_address, "sd_bus_set_address"},
        {(void **)&api.start, "sd_bus_start"}, {(void **)&api.open_system, "sd_bus_open_system"},
        {(void **)&api.get_fd, "sd_bus_get_fd"}, {(void **)&api.process, "sd_bus_process"},
        {(void **)&api.wait, "sd_bus_wait"}, {(void **)&api.call_async, "sd_bus_call_async"},
        {(void **)&api.slot_unref, "sd_bus_slot_unref"}, {(void **)&api.new_method_call, "sd_bus_message_new_method_call"},
        {(void **)&api.append, "sd_bus_message_append"}, {(void **)&api.message_ref, "sd_bus_message_ref"},
        {(void **)&api.message_unref, "sd_bus_message_unref"}, {(void **)&api.get_error, "sd_bus_message_get_error"},
        {(void **)&api.enter, "sd_bus_message_enter_container"}, {(void **)&api.exit, "sd_bus_message_exit_container"},
        {(void **)&api.read, "sd_bus_message_read"},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
        if (!(*symbols[i].slot = dlsym(handle, symbols[i].name))) return;
    loaded = api.close_unref != NULL;
}

struct vigil_systemd {
    sd_bus *bus;
    uint64_t timeout_usec;
    char error[512];
};

static const char *manager = "org.freedesktop.systemd1";

static uint64_t now_usec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int fail(vigil_systemd *s, int code, const char *what) {
    if (code == -ETIMEDOUT)
        snprintf(s->error, sizeof s->error, "%s: no answer from the systemd manager within %llu ms", what,
                 (unsigned long long)(s->timeout_usec / 1000));
    else
        snprintf(s->error, sizeof s->error, "%s: %s", what, strerror(-code));
    return code;
}

/// The private socket belongs to the manager only if its peer is root (or us), as systemctl checks.
static int peer_is_trusted(sd_bus *bus) {
    struct ucred cred;
    socklen_t size = sizeof cred;
    int fd = api.get_fd(bus);
    if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) < 0) return 0;
    return cred.uid == 0 || cred.uid == geteuid();
}

int vigil_systemd_open(uint64_t timeout_usec, vigil_systemd **out, char *error, size_t error_size) {
    pthread_once(&once, load);
    *out = NULL;
    if (!loaded) {
        snprintf(error, error_size, "libsystemd.so.0 cannot be loaded");
        return VIGIL_SYSTEMD_NO_LIBRARY;
    }
    sd_bus *bus = NULL;
    int r = -ENOENT;
    if (geteuid() == 0 && api.new_bus(&bus) >= 0) {
        // Peer to peer: no bus daemon, no Hello; works before dbus.service is up.
        r = api.set_address(bus, "unix:path=/run/systemd/private");
        if (r >= 0) r = api.start(bus);
        if (r >= 0 && !peer_is_trusted(bus)) r = -EPERM;
        if (r < 0) bus = api.close_unref(bus);
    }
    if (r < 0) {
        r = api.open_system(&bus);
        if (r < 0) {
            snprintf(error, error_size, "connecting to the system bus: %s", strerror(-r));
            return r;
        }
    }
    vigil_systemd *s = calloc(1, sizeof *s);
    if (!s) {
        api.close_unref(bus);
        return -ENOMEM;
    }
    s->bus = bus;
    s->timeout_usec = timeout_usec;
    *out = s;
    return 0;
}

void vigil_systemd_close(vigil_systemd *s) {
    if (!s) return;
    api.close_unref(s->bus);
    free(s);
}

const char *vigil_systemd_error(const vigil_systemd *s) { return s->error; }

struct pending {
    sd_bus_message *reply;
};

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
    (void)ret_error;
    struct pending *p = userdata;
    p->reply = api.message_ref(m);
    return 0;
}

/// Sends `m` (consumed) and drives the bus until its reply or the deadline.
static int call(vigil_systemd *s, sd_bus_message *m, const char *what, sd_bus_message **reply) {
    struct pending p = {NULL};
    sd_bus_slot *slot = NULL;
    uint64_t deadline = now_usec() + s->timeout_usec;
    // sd-bus's own reply timeout set later than the deadline, so that the deadline
    // (which also covers authentication) is what ends a call to a hung manager.
    int r = api.call_async(s->bus, &slot, m, on_reply, &p, 2 * s->timeout_usec);
    api.message_unref(m);
    if (r < 0) return fail(s, r, what);
    while (!p.reply) {
        r = api.process(s->bus, NULL);
        if (r < 0) break;
        if (r > 0) continue;
        uint64_t now = now_usec();
        if (now >= deadline) {
            r = -ETIMEDOUT;
            break;
        }
        r = api.wait(s->bus, deadline - now);
        if (r < 0) break;
    }
    api.slot_unref(slot);
    if (!p.reply) return fail(s, r < 0 ? r : -ETIMEDOUT, what);
    const sd_bus_error *e = api.get_error(p.reply);
    if (e && e->name) {
        snprintf(s->error, sizeof s->error, "%s: %s: %s", what, e->name, e->message ? e->message : "");
        api.message_unref(p.reply);
        return VIGIL_SYSTEMD_BUS_ERROR;
    }
    *reply = p.reply;
    return 0;
}

int vigil_systemd_list_units(vigil_systemd *s, void *context, void (*each)(void *, const vigil_systemd_unit *)) {
    const char *what = "org.freedesktop.systemd1.Manager.ListUnits";
    sd_bus_message *m = NULL, *reply = NULL;
    int r = api.new_method_call(s->bus, &m, manager, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "ListUnits");
    if (r < 0) return fail(s, r, what);
    if ((r = call(s, m, what, &reply)) < 0) return r;
    r = api.enter(reply, 'a', "(ssssssouso)");
    while (r >= 0 && (r = api.enter(reply, 'r', "ssssssouso")) > 0) {
        vigil_systemd_unit u;
        r = api.read(reply, "ssssssouso", &u.id, &u.description, &u.load_state, &u.active_state, &u.sub_state,
                     &u.following, &u.object_path, &u.job_id, &u.job_type, &u.job_path);
        if (r < 0) break;
        each(context, &u);
        r = api.exit(reply);
    }
    if (r >= 0) r = api.exit(reply);
    api.message_unref(reply);
    return r < 0 ? fail(s, r, "reading the reply of ListUnits") : 0;
}

int vigil_systemd_get_string(vigil_systemd *s, const char *path, const char *interface, const char *property, char **value) {
    char what[256];
    snprintf(what, sizeof what, "%s.%s of %s", interface, property, path);
    sd_bus_message *m = NULL, *reply = NULL;
    *value = NULL;
    int r = api.new_method_call(s->bus, &m, manager, path, "org.freedesktop.DBus.Properties", "Get");
    if (r >= 0) r = api.append(m, "ss", interface, property);
    if (r < 0) {
        if (m) api.message_unref(m);
        return fail(s, r, what);
    }
    if ((r = call(s, m, what, &reply)) < 0) return r;
    const char *text = NULL;
    r = api.enter(reply, 'v', "s");
    if (r >= 0) r = api.read(reply, "s", &text);
    if (r >= 0 && !(*value = strdup(text ? text : ""))) r = -ENOMEM;
    api.message_unref(reply);
    return r < 0 ? fail(s, r, what) : 0;
}
