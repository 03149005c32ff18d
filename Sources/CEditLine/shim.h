// libedit's readline-compatible API: line editing and history for `vigil shell`.
#ifndef VIGIL_CEDITLINE_SHIM_H
#define VIGIL_CEDITLINE_SHIM_H
#include <stdio.h>
#include <editline/readline.h>

/// Read the terminal through `getc` (rl_getc_function) and leave SIGINT to the caller
/// (rl_catch_signals = 0: libedit's own handler would set the terminal back to cooked
/// mode and re-send the signal to the whole process group). Call before the first
/// readline(), read_history() or add_history(), which set libedit up. Mutable C
/// globals are not visible to Swift 6 code, hence this shim.
static inline void vigil_rl_take_input(int (*getc)(FILE *)) {
    rl_getc_function = getc;
    rl_catch_signals = 0;
}
#endif
