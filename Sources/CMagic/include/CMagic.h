// libmagic, opened at run time with dlopen (libmagic-dev gives the prototypes): a
// minimal container image has no libmagic1, and vigil must still start there.
#ifndef VIGIL_CMAGIC_H
#define VIGIL_CMAGIC_H
#include <magic.h>

/// The libmagic functions the magic table calls, resolved by name.
struct vigil_magic_api {
    __typeof__(&magic_open) open;
    __typeof__(&magic_close) close;
    __typeof__(&magic_load) load;
    __typeof__(&magic_file) file;
    __typeof__(&magic_setflags) setflags;
    __typeof__(&magic_error) error;
};

/// The functions, or NULL when libmagic.so.1 cannot be opened. Loaded once.
const struct vigil_magic_api *vigil_magic_api(void);
#endif
