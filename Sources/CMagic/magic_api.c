// Resolves libmagic with dlopen (see CMagic.h for why it is not linked).
#include "CMagic.h"
#include <dlfcn.h>
#include <pthread.h>

static struct vigil_magic_api api;
static const struct vigil_magic_api *loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define RESOLVE(field, symbol) \
    if (!(api.field = (__typeof__(api.field))dlsym(handle, #symbol))) return;

static void load(void) {
    void *handle = dlopen("libmagic.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
    RESOLVE(open, magic_open)
    RESOLVE(close, magic_close)
    RESOLVE(load, magic_load)
    RESOLVE(file, magic_file)
    RESOLVE(setflags, magic_setflags)
    RESOLVE(error, magic_error)
    loaded = &api;
}

const struct vigil_magic_api *vigil_magic_api(void) {
    pthread_once(&once, load);
    return loaded;
}
