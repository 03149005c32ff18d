// One entry out of a zip archive through a dlopen'd libzip (see CZip.h).
#include "CZip.h"
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>
#include <zip.h>

static struct {
    __typeof__(&zip_fdopen) fdopen;
    __typeof__(&zip_stat) stat;
    __typeof__(&zip_stat_init) stat_init;
    __typeof__(&zip_fopen) fopen;
    __typeof__(&zip_fread) fread;
    __typeof__(&zip_fclose) fclose;
    __typeof__(&zip_discard) discard;
} api;
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define RESOLVE(field, symbol) \
    if (!(api.field = (__typeof__(api.field))dlsym(handle, #symbol))) return;

static void load(void) {
    void *handle = dlopen("libzip.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!handle) handle = dlopen("libzip.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
    RESOLVE(fdopen, zip_fdopen)
    RESOLVE(stat, zip_stat)
    RESOLVE(stat_init, zip_stat_init)
    RESOLVE(fopen, zip_fopen)
    RESOLVE(fread, zip_fread)
    RESOLVE(fclose, zip_fclose)
    RESOLVE(discard, zip_discard)
    loaded = 1;
}

long long vigil_zip_read_entry(int fd, const char *name, void *buffer, size_t capacity) {
    pthread_once(&once, load);
    if (!loaded) {
        close(fd);
        return -2;
    }
    int error = 0;
    // Read-only: nothing is ever written back (zip_discard, not zip_close).
    zip_t *archive = api.fdopen(fd, ZIP_RDONLY, &error);
    if (!archive) {
        close(fd);
        return -1;
    }
    long long result = -1;
    zip_stat_t st;
    api.stat_init(&st);
    if (api.stat(archive, name, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) {
        result = (long long)st.size;
        if (st.size <= capacity) {
            zip_file_t *file = api.fopen(archive, name, 0);
            if (!file) {
                result = -1;
            } else {
                zip_int64_t n = api.fread(file, buffer, st.size);
                if (n < 0 || (zip_uint64_t)n != st.size) result = -1;
                api.fclose(file);
            }
        }
    }
    api.discard(archive);
    return result;
}
