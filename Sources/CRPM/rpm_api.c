// Resolves librpm with dlopen (see CRPM.h for why it is not linked).
#include "CRPM.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

static struct vigil_rpm_api api;
static const struct vigil_rpm_api *loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define RESOLVE(field, symbol) \
    if (!(api.field = (__typeof__(api.field))dlsym(handle, #symbol))) return;

static void load(void) {
    static const char *names[] = { "librpm.so.10", "librpm.so.9", "librpm.so.8", "librpm.so" };
    void *handle = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names && !handle; i++)
        handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
    RESOLVE(readConfigFiles, rpmReadConfigFiles)
    RESOLVE(pushMacro, rpmPushMacro)
    RESOLVE(popMacro, rpmPopMacro)
    RESOLVE(logSetMask, rpmlogSetMask)
    RESOLVE(tsCreate, rpmtsCreate)
    RESOLVE(tsFree, rpmtsFree)
    RESOLVE(tsSetVSFlags, rpmtsSetVSFlags)
    RESOLVE(tsInitIterator, rpmtsInitIterator)
    RESOLVE(dbNextIterator, rpmdbNextIterator)
    RESOLVE(dbFreeIterator, rpmdbFreeIterator)
    RESOLVE(headerGetString, headerGetString)
    RESOLVE(headerGetNumber, headerGetNumber)
    RESOLVE(headerIsEntry, headerIsEntry)
    RESOLVE(fiNew, rpmfiNew)
    RESOLVE(fiFree, rpmfiFree)
    RESOLVE(fiNext, rpmfiNext)
    RESOLVE(fiFN, rpmfiFN)
    RESOLVE(fiFUser, rpmfiFUser)
    RESOLVE(fiFGroup, rpmfiFGroup)
    RESOLVE(fiFMode, rpmfiFMode)
    RESOLVE(fiFSize, rpmfiFSize)
    RESOLVE(fiFDigestHex, rpmfiFDigestHex)
    loaded = &api;
}

const struct vigil_rpm_api *vigil_rpm_api(void) {
    pthread_once(&once, load);
    return loaded;
}
