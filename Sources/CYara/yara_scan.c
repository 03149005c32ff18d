// Resolves libyara with dlopen (see CYara.h for why it is not linked).
#include "CYara.h"
#include <yara.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
    __typeof__(&yr_initialize) initialize;
    __typeof__(&yr_compiler_create) compiler_create;
    __typeof__(&yr_compiler_destroy) compiler_destroy;
    __typeof__(&yr_compiler_set_callback) compiler_set_callback;
    __typeof__(&yr_compiler_add_string) compiler_add_string;
    __typeof__(&yr_compiler_get_rules) compiler_get_rules;
    __typeof__(&yr_rules_scan_file) rules_scan_file;
    __typeof__(&yr_rules_destroy) rules_destroy;
} api;
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define RESOLVE(field, symbol) \
    if (!(api.field = (__typeof__(api.field))dlsym(handle, #symbol))) return;

static void load(void) {
    // Only the major version these headers describe: the structs differ between them.
    void *handle = dlopen("libyara.so.9", RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
    RESOLVE(initialize, yr_initialize)
    RESOLVE(compiler_create, yr_compiler_create)
    RESOLVE(compiler_destroy, yr_compiler_destroy)
    RESOLVE(compiler_set_callback, yr_compiler_set_callback)
    RESOLVE(compiler_add_string, yr_compiler_add_string)
    RESOLVE(compiler_get_rules, yr_compiler_get_rules)
    RESOLVE(rules_scan_file, yr_rules_scan_file)
    RESOLVE(rules_destroy, yr_rules_destroy)
    if (api.initialize() != ERROR_SUCCESS) return;
    loaded = 1;
}

struct compile_error { char *text; size_t size; int seen; };

static void on_compile_error(int level, const char *file, int line, const YR_RULE *rule, const char *message, void *user) {
    (void)file; (void)rule;
    struct compile_error *e = user;
    if (level != YARA_ERROR_LEVEL_ERROR || e->seen) return;
    snprintf(e->text, e->size, "line %d: %s", line, message);
    e->seen = 1;
}

vigil_yara_rules *vigil_yara_compile(const char *source, char *error, size_t error_size) {
    pthread_once(&once, load);
    if (!loaded) { snprintf(error, error_size, "libyara unavailable (libyara.so.9)"); return NULL; }
    YR_COMPILER *compiler = NULL;
    if (api.compiler_create(&compiler) != ERROR_SUCCESS) { snprintf(error, error_size, "cannot create a YARA compiler"); return NULL; }
    struct compile_error e = { error, error_size, 0 };
    api.compiler_set_callback(compiler, on_compile_error, &e);
    YR_RULES *rules = NULL;
    if (api.compiler_add_string(compiler, source, NULL) != 0 || api.compiler_get_rules(compiler, &rules) != ERROR_SUCCESS) {
        if (!e.seen) snprintf(error, error_size, "the rules do not compile");
        api.compiler_destroy(compiler);
        return NULL;
    }
    api.compiler_destroy(compiler);
    return (vigil_yara_rules *)rules;
}

void vigil_yara_rules_free(vigil_yara_rules *rules) {
    if (rules) api.rules_destroy((YR_RULES *)rules);
}

/// Append `item` to a comma-separated malloc'd list.
static void append(char **list, const char *item) {
    size_t old = *list ? strlen(*list) : 0, add = strlen(item);
    char *grown = realloc(*list, old + add + 2);
    if (!grown) return;
    if (old) grown[old++] = ',';
    memcpy(grown + old, item, add + 1);
    *list = grown;
}

static int contains(const char *list, const char *item) {
    if (!list) return 0;
    size_t n = strlen(item);
    for (const char *p = list; *p; ) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, item, n) == 0) return 1;
        if (!comma) break;
        p = comma + 1;
    }
    return 0;
}

static int on_scan(YR_SCAN_CONTEXT *context, int message, void *data, void *user) {
    if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
    struct vigil_yara_result *out = user;
    YR_RULE *rule = data;
    out->count++;
    append(&out->matches, rule->identifier);
    const char *tag;
    yr_rule_tags_foreach(rule, tag) {
        if (!contains(out->tags, tag)) append(&out->tags, tag);
    }
    YR_STRING *string;
    YR_MATCH *match;
    yr_rule_strings_foreach(rule, string) {
        yr_string_matches_foreach(context, string, match) {
            char item[512];
            snprintf(item, sizeof item, "%s:%lld", string->identifier, (long long)(match->base + match->offset));
            append(&out->strings, item);
        }
    }
    return CALLBACK_CONTINUE;
}

int vigil_yara_scan_file(vigil_yara_rules *rules, const char *path, int timeout_s, struct vigil_yara_result *out) {
    memset(out, 0, sizeof *out);
    return api.rules_scan_file((YR_RULES *)rules, path, 0, on_scan, out, timeout_s);
}

void vigil_yara_result_free(struct vigil_yara_result *result) {
    free(result->matches);
    free(result->tags);
    free(result->strings);
    memset(result, 0, sizeof *result);
}
