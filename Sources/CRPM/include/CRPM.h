// librpm, opened at run time with dlopen: a Debian or Alpine host has no librpm and
// vigil must still start there, while an RPM host always has one. librpm-dev's
// headers give the exact prototypes; the library itself is never linked.
#ifndef VIGIL_CRPM_H
#define VIGIL_CRPM_H
#include <rpm/rpmlib.h>
#include <rpm/rpmts.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmfi.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/header.h>

/// The librpm functions the rpm tables call, resolved by name.
struct vigil_rpm_api {
    __typeof__(&rpmReadConfigFiles) readConfigFiles;
    __typeof__(&rpmPushMacro) pushMacro;
    __typeof__(&rpmPopMacro) popMacro;
    __typeof__(&rpmlogSetMask) logSetMask;
    __typeof__(&rpmtsCreate) tsCreate;
    __typeof__(&rpmtsFree) tsFree;
    __typeof__(&rpmtsSetVSFlags) tsSetVSFlags;
    __typeof__(&rpmtsInitIterator) tsInitIterator;
    __typeof__(&rpmdbNextIterator) dbNextIterator;
    __typeof__(&rpmdbFreeIterator) dbFreeIterator;
    __typeof__(&headerGetString) headerGetString;
    __typeof__(&headerGetNumber) headerGetNumber;
    __typeof__(&headerIsEntry) headerIsEntry;
    __typeof__(&rpmfiNew) fiNew;
    __typeof__(&rpmfiFree) fiFree;
    __typeof__(&rpmfiNext) fiNext;
    __typeof__(&rpmfiFN) fiFN;
    __typeof__(&rpmfiFUser) fiFUser;
    __typeof__(&rpmfiFGroup) fiFGroup;
    __typeof__(&rpmfiFMode) fiFMode;
    __typeof__(&rpmfiFSize) fiFSize;
    __typeof__(&rpmfiFDigestHex) fiFDigestHex;
};

/// The functions, or NULL when no librpm (librpm.so.10, .9, .8) can be opened or one
/// of them is missing. Loaded once; the answer never changes afterwards.
const struct vigil_rpm_api *vigil_rpm_api(void);

/// Header digests and signatures left unchecked (the RPMVSF_MASK_* macros).
static inline rpmVSFlags vigil_rpm_no_checks(void) { return RPMVSF_MASK_NODIGESTS | RPMVSF_MASK_NOSIGNATURES; }

/// Priorities through `pri` (RPMLOG_UPTO is a macro).
static inline int vigil_rpmlog_upto(int pri) { return RPMLOG_UPTO(pri); }
#endif
