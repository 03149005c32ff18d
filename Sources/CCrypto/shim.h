// OpenSSL's libcrypto EVP digests: the same assembly (SHA extensions, AVX2)
// that `openssl dgst` uses, so the hash table runs at openssl's speed.
#ifndef VIGIL_CCRYPTO_SHIM_H
#define VIGIL_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#endif
