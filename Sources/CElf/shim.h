// elfutils libelf and its class-independent GElf layer: one code path reads
// 32- and 64-bit files, and sections are decompressed (SHF_COMPRESSED) for us.
#ifndef VIGIL_CELF_SHIM_H
#define VIGIL_CELF_SHIM_H
#include <libelf.h>
#include <gelf.h>
#include <elf.h>
// getauxval(AT_SYSINFO_EHDR): where the kernel put the vDSO's ELF image in this process.
#include <sys/auxv.h>

// ELF64_ST_TYPE/ST_BIND are function-like macros, which Swift cannot call.
static inline unsigned char vigil_elf_st_type(unsigned char info) { return GELF_ST_TYPE(info); }
static inline unsigned char vigil_elf_st_bind(unsigned char info) { return GELF_ST_BIND(info); }
static inline unsigned long vigil_elf_r_sym(unsigned long info) { return GELF_R_SYM(info); }
#endif
