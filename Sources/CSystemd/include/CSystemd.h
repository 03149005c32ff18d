// libsystemd's sd-bus, opened at run time with dlopen (libsystemd-dev gives the
// prototypes): the systemd_units table asks the running systemd manager for its
// units, and vigil must still start on hosts without libsystemd0.
#ifndef VIGIL_CSYSTEMD_H
#define VIGIL_CSYSTEMD_H
#include <stddef.h>
#include <stdint.h>

/// One connection to the systemd manager (an sd_bus and the last error's text).
typedef struct vigil_systemd vigil_systemd;

/// Returned when libsystemd.so.0 cannot be loaded; other failures are -errno.
#define VIGIL_SYSTEMD_NO_LIBRARY (-100000)
/// Returned when the manager answered with a D-Bus error (its name and message in
/// vigil_systemd_error).
#define VIGIL_SYSTEMD_BUS_ERROR (-100001)

/// Connects as systemctl does: as root, peer to peer to the manager's private
/// socket /run/systemd/private; else (or when that socket cannot be reached) to the
/// system bus ($DBUS_SYSTEM_BUS_ADDRESS, default /run/dbus/system_bus_socket). Each
/// later call, connection set-up included, ends within `timeout_usec`. On failure
/// returns a negative code and writes why into `error`.
int vigil_systemd_open(uint64_t timeout_usec, vigil_systemd **out, char *error, size_t error_size);
void vigil_systemd_close(vigil_systemd *systemd);
/// The last failure's text: what was called and why it failed.
const char *vigil_systemd_error(const vigil_systemd *systemd);

/// One entry of org.freedesktop.systemd1.Manager.ListUnits, (ssssssouso).
typedef struct {
    const char *id, *description, *load_state, *active_state, *sub_state, *following, *object_path;
    uint32_t job_id;
    const char *job_type, *job_path;
} vigil_systemd_unit;

/// Calls `each` for every unit the manager has loaded (the strings live until it returns).
int vigil_systemd_list_units(vigil_systemd *systemd, void *context, void (*each)(void *context, const vigil_systemd_unit *unit));

/// A string property of the object at `path` (org.freedesktop.DBus.Properties.Get);
/// `*value` is malloc'd. VIGIL_SYSTEMD_BUS_ERROR when the object has no such
/// interface or property (a `User` of a unit that is no service).
int vigil_systemd_get_string(vigil_systemd *systemd, const char *path, const char *interface, const char *property, char **value);
#endif
