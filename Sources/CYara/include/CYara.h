// libyara 4.x (libyara.so.9), opened at run time with dlopen (libyara-dev gives the
// prototypes and struct layouts): the yara table. The scan callback walks libyara's
// structs through its macros, so one whole scan is one C function here.
#ifndef VIGIL_CYARA_H
#define VIGIL_CYARA_H
#include <stddef.h>

/// Compiled rules (opaque), from vigil_yara_compile; free with vigil_yara_rules_free.
typedef struct vigil_yara_rules vigil_yara_rules;

/// What one scan found. The strings are malloc'd and comma-separated (free with
/// vigil_yara_result_free): matching rule names, their tags (each once), and the
/// matching strings as "$identifier:offset" (decimal offset in the file).
struct vigil_yara_result {
    int count;
    char *matches;
    char *tags;
    char *strings;
};

/// Compile rule source text. Returns NULL and fills `error` (the compiler's first
/// message with its line) when it does not compile, or when libyara.so.9 cannot be
/// loaded ("libyara unavailable").
vigil_yara_rules *vigil_yara_compile(const char *source, char *error, size_t error_size);
void vigil_yara_rules_free(vigil_yara_rules *rules);

/// Scan the file at `path` with `rules`, giving up after `timeout_s` seconds.
/// Returns 0, or libyara's error code (ERROR_COULD_NOT_OPEN_FILE is 3, ERROR_SCAN_TIMEOUT 26).
int vigil_yara_scan_file(vigil_yara_rules *rules, const char *path, int timeout_s, struct vigil_yara_result *out);
void vigil_yara_result_free(struct vigil_yara_result *result);
#endif
