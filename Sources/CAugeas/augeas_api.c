// Resolves libaugeas with dlopen (see CAugeas.h for why it is not linked).
#include "CAugeas.h"
#include <dlfcn.h>
#include <pthread.h>

static struct vigil_augeas_api api;
static const struct vigil_augeas_api *loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define RESOLVE(field, symbol) \
    if (!(api.field = (__typeof__(api.field))dlsym(handle, #symbol))) return;

static void load(void) {
    void *handle = dlopen("libaugeas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
    RESOLVE(open, aug_init)
    RESOLVE(close, aug_close)
    RESOLVE(load, aug_load)
    RESOLVE(defvar, aug_defvar)
    RESOLVE(match, aug_match)
    RESOLVE(ns_attr, aug_ns_attr)
    RESOLVE(error, aug_error)
    RESOLVE(error_message, aug_error_message)
    api.load_file = (__typeof__(api.load_file))dlsym(handle, "aug_load_file");
    loaded = &api;
}

const struct vigil_augeas_api *vigil_augeas_api(void) {
    pthread_once(&once, load);
    return loaded;
}
