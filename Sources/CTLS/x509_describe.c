// The X.509 fields of CTLS.h, as OpenSSL prints them.
#include "CTLS.h"
#include "x509_util.h"
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

char *vigil_x509_drain(BIO *bio) {
    BUF_MEM *mem = NULL;
    BIO_get_mem_ptr(bio, &mem);
    char *text = NULL;
    if (mem && mem->length > 0 && (text = malloc(mem->length + 1))) {
        memcpy(text, mem->data, mem->length);
        text[mem->length] = 0;
    }
    BIO_free(bio);
    return text;
}

static char *name_entry(X509_NAME *name, int nid) {
    int i = X509_NAME_get_index_by_NID(name, nid, -1);
    if (i < 0) return NULL;
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (n < 0) return NULL;
    char *text = strndup((char *)utf8, (size_t)n);
    OPENSSL_free(utf8);
    return text;
}

static char *time_text(const ASN1_TIME *t) {
    BIO *bio = BIO_new(BIO_s_mem());
    ASN1_TIME_print(bio, t);
    return vigil_x509_drain(bio);
}

char *vigil_x509_fingerprint(X509 *cert, const EVP_MD *md) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!X509_digest(cert, md, digest, &n)) return NULL;
    char *text = malloc(n * 2 + 1);
    for (unsigned int i = 0; text && i < n; i++) snprintf(text + i * 2, 3, "%02x", digest[i]);
    return text;
}

/// An extension as OpenSSL prints it, its lines joined by ';'.
static char *extension(X509 *cert, int nid) {
    int i = X509_get_ext_by_NID(cert, nid, -1);
    if (i < 0) return NULL;
    X509_EXTENSION *ext = X509_get_ext(cert, i);
    BIO *bio = BIO_new(BIO_s_mem());
    if (!X509V3_EXT_print(bio, ext, 0, 0)) ASN1_STRING_print(bio, X509_EXTENSION_get_data(ext));
    char *text = vigil_x509_drain(bio);
    if (!text) return NULL;
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r')) text[--n] = 0;
    for (char *p = text; *p; p++) if (*p == '\n') *p = ';';
    return text;
}

int vigil_x509_describe(const unsigned char *der, size_t der_length, struct vigil_x509_description *out) {
    memset(out, 0, sizeof *out);
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, (long)der_length);
    if (!cert) return -1;
    char **f = out->fields;
    X509_NAME *subject = X509_get_subject_name(cert), *issuer = X509_get_issuer_name(cert);
    f[VIGIL_X509_COMMON_NAME] = name_entry(subject, NID_commonName);
    f[VIGIL_X509_ORGANIZATION] = name_entry(subject, NID_organizationName);
    f[VIGIL_X509_ORGANIZATION_UNIT] = name_entry(subject, NID_organizationalUnitName);
    f[VIGIL_X509_ISSUER_COMMON_NAME] = name_entry(issuer, NID_commonName);
    f[VIGIL_X509_ISSUER_ORGANIZATION] = name_entry(issuer, NID_organizationName);
    f[VIGIL_X509_ISSUER_ORGANIZATION_UNIT] = name_entry(issuer, NID_organizationalUnitName);
    BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *hex = serial ? BN_bn2hex(serial) : NULL;
    if (hex) { f[VIGIL_X509_SERIAL_NUMBER] = strdup(hex); OPENSSL_free(hex); }
    BN_free(serial);
    f[VIGIL_X509_VALID_FROM] = time_text(X509_get0_notBefore(cert));
    f[VIGIL_X509_VALID_TO] = time_text(X509_get0_notAfter(cert));
    f[VIGIL_X509_SHA256_FINGERPRINT] = vigil_x509_fingerprint(cert, EVP_sha256());
    f[VIGIL_X509_SHA1_FINGERPRINT] = vigil_x509_fingerprint(cert, EVP_sha1());
    int sig_nid = X509_get_signature_nid(cert);
    f[VIGIL_X509_SIGNATURE_ALGORITHM] = strdup(sig_nid != NID_undef ? OBJ_nid2sn(sig_nid) : "undefined");
    const ASN1_BIT_STRING *sig = NULL;
    X509_get0_signature(&sig, NULL, cert);
    if (sig && sig->length > 0 && (f[VIGIL_X509_SIGNATURE] = malloc((size_t)sig->length * 3))) {
        // Colon-separated lower-case hex bytes, as osquery shows the signature.
        for (int i = 0; i < sig->length; i++) snprintf(f[VIGIL_X509_SIGNATURE] + i * 3, 4, i + 1 < sig->length ? "%02x:" : "%02x", sig->data[i]);
    }
    static const int nids[][2] = {
        { VIGIL_X509_SUBJECT_KEY_IDENTIFIER, NID_subject_key_identifier },
        { VIGIL_X509_AUTHORITY_KEY_IDENTIFIER, NID_authority_key_identifier },
        { VIGIL_X509_KEY_USAGE, NID_key_usage }, { VIGIL_X509_EXTENDED_KEY_USAGE, NID_ext_key_usage },
        { VIGIL_X509_POLICIES, NID_certificate_policies }, { VIGIL_X509_SUBJECT_ALTERNATIVE_NAMES, NID_subject_alt_name },
        { VIGIL_X509_ISSUER_ALTERNATIVE_NAMES, NID_issuer_alt_name }, { VIGIL_X509_INFO_ACCESS, NID_info_access },
        { VIGIL_X509_SUBJECT_INFO_ACCESS, NID_sinfo_access }, { VIGIL_X509_POLICY_MAPPINGS, NID_policy_mappings },
        { VIGIL_X509_BASIC_CONSTRAINT, NID_basic_constraints }, { VIGIL_X509_NAME_CONSTRAINTS, NID_name_constraints },
        { VIGIL_X509_POLICY_CONSTRAINTS, NID_policy_constraints },
    };
    for (size_t i = 0; i < sizeof nids / sizeof nids[0]; i++) f[nids[i][0]] = extension(cert, nids[i][1]);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    f[VIGIL_X509_PEM] = vigil_x509_drain(bio);
    out->version = (int)X509_get_version(cert) + 1;
    out->has_expired = X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0;
    X509_free(cert);
    return 0;
}

void vigil_x509_description_free(struct vigil_x509_description *d) {
    for (int i = 0; i < VIGIL_X509_FIELD_COUNT; i++) { free(d->fields[i]); d->fields[i] = NULL; }
}
