// libaugeas, opened at run time with dlopen: most hosts have no libaugeas0, and
// vigil must still start there. The declarations below are augeas.h's (its API is
// stable since augeas 1.0), written out because augeas.h includes libxml2's
// headers, which are not on any default include path.
#ifndef VIGIL_CAUGEAS_H
#define VIGIL_CAUGEAS_H

typedef struct augeas augeas;

/// aug_init flags and aug_error codes used here (augeas.h's values).
enum {
    VIGIL_AUG_SAVE_NOOP = 1 << 4,
    VIGIL_AUG_NO_LOAD = 1 << 5,
    VIGIL_AUG_NO_ERR_CLOSE = 1 << 8,
};
enum { VIGIL_AUG_NOERROR = 0, VIGIL_AUG_ENOLENS = 7 };

/// The libaugeas functions the augeas table calls, resolved by name.
struct vigil_augeas_api {
    augeas *(*open)(const char *root, const char *loadpath, unsigned int flags);
    void (*close)(augeas *aug);
    int (*load)(augeas *aug);
    /// NULL before augeas 1.13, which has no aug_load_file.
    int (*load_file)(augeas *aug, const char *file);
    int (*defvar)(augeas *aug, const char *name, const char *expr);
    int (*match)(const augeas *aug, const char *path, char ***matches);
    int (*ns_attr)(const augeas *aug, const char *var, int i, const char **value, const char **label, char **file_path);
    int (*error)(augeas *aug);
    const char *(*error_message)(augeas *aug);
};

/// The functions, or NULL when libaugeas.so.0 cannot be opened. Loaded once.
const struct vigil_augeas_api *vigil_augeas_api(void);
#endif
