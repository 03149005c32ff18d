// libzip, opened at run time with dlopen (libzip-dev gives the prototypes): the
// jetbrains_plugins table reads META-INF/plugin.xml out of plugin jars, and vigil
// must still start on hosts without libzip4.
#ifndef VIGIL_CZIP_H
#define VIGIL_CZIP_H
#include <stddef.h>

/// Reads the entry `name` of the zip archive open on `fd` (which this call always
/// closes) into `buffer`, at most `capacity` bytes. Returns the entry's size (which
/// may exceed `capacity`: then nothing is read), -1 when the archive has no such
/// entry or is no zip archive, -2 when libzip.so.4 cannot be loaded.
long long vigil_zip_read_entry(int fd, const char *name, void *buffer, size_t capacity);
#endif
