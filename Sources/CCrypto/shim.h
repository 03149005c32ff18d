// OpenSSL's libcrypto EVP digests: the same assembly (SHA extensions, AVX2)
// that `openssl dgst` uses, so the hash table runs at openssl's speed.
#ifndef VIGIL_CCRYPTO_SHIM_H
#define VIGIL_CCRYPTO_SHIM_H
#include <openssl/evp.h>
// Private keys in PEM files (user_ssh_keys): their type, size and strength.
#include <openssl/pem.h>
#include <openssl/bio.h>
#endif
