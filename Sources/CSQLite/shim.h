// Shims for the parts of SQLite's C API that Swift cannot call directly
// (variadic functions and function-like macros), plus the two structs that
// extend sqlite3_vtab/sqlite3_vtab_cursor with a pointer to Swift state.
#ifndef VIGIL_CSQLITE_SHIM_H
#define VIGIL_CSQLITE_SHIM_H
#include <sqlite3.h>
#include <stddef.h>

/// A virtual table instance: SQLite's base struct first, then Swift context.
typedef struct vigil_sqlite_vtab {
    sqlite3_vtab base;
    void *context;
} vigil_sqlite_vtab;

/// A cursor: SQLite's base struct first, then Swift context.
typedef struct vigil_sqlite_cursor {
    sqlite3_vtab_cursor base;
    void *context;
} vigil_sqlite_cursor;

static inline sqlite3_destructor_type vigil_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type vigil_sqlite_static(void) { return SQLITE_STATIC; }

/// sqlite3_db_config for the (int, int*) options.
static inline int vigil_sqlite_db_config_int(sqlite3 *db, int op, int value) {
    int out = 0;
    return sqlite3_db_config(db, op, value, &out);
}

/// sqlite3_vtab_config with one int argument (SQLITE_VTAB_DIRECTONLY takes none).
static inline int vigil_sqlite_vtab_config(sqlite3 *db, int op) {
    return sqlite3_vtab_config(db, op);
}

/// Copy a C string into memory SQLite owns (for idxStr / zErrMsg).
static inline char *vigil_sqlite_strdup(const char *s) {
    return sqlite3_mprintf("%s", s);
}
#endif
