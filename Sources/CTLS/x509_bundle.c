// The certificates of a PEM bundle (a CA bundle such as
// /etc/ssl/certs/ca-certificates.crt) with the fields of CTLS.h's vigil_cert_field,
// rendered as osquery's certificates table renders them.
#include "CTLS.h"
#include "x509_util.h"
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/// A name on one line: "/C=US/O=Org/CN=Name" (X509_NAME_oneline, the deprecated
/// subject/issuer columns) or "C = US, O = Org, CN = Name" (XN_FLAG_ONELINE, subject2/issuer2).
static char *name_text(const X509_NAME *name, int deprecated) {
    if (deprecated) {
        char *s = X509_NAME_oneline(name, NULL, 0);
        char *out = s ? strdup(s) : NULL;
        OPENSSL_free(s);
        return out;
    }
    BIO *bio = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE);
    return vigil_x509_drain(bio);
}

static char *common_name(const X509_NAME *name) {
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (i < 0) return NULL;
    const ASN1_STRING *data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    return data && ASN1_STRING_length(data) > 0 ? strndup((const char *)ASN1_STRING_get0_data(data), (size_t)ASN1_STRING_length(data)) : NULL;
}

static char *hex(const ASN1_OCTET_STRING *id) {
    if (!id) return NULL;
    char *text = malloc((size_t)id->length * 2 + 1);
    if (!text) return NULL;
    text[0] = 0;
    for (int i = 0; i < id->length; i++) snprintf(text + i * 2, 3, "%02x", id->data[i]);
    return text;
}

/// RSA and DSA: the key's size in bits as EVP_PKEY_size * 8 gives it; EC: the curve's long name.
static char *key_strength(X509 *cert, int key_nid) {
    EVP_PKEY *key = X509_get0_pubkey(cert);
    if (!key) return NULL;
    char buffer[80];
    if (key_nid == NID_rsaEncryption || key_nid == NID_dsa) {
        snprintf(buffer, sizeof buffer, "%d", EVP_PKEY_get_size(key) * 8);
        return strdup(buffer);
    }
    if (key_nid == NID_X9_62_id_ecPublicKey && EVP_PKEY_get_group_name(key, buffer, sizeof buffer, NULL)) {
        int curve = OBJ_txt2nid(buffer);
        return strdup(curve != NID_undef ? OBJ_nid2ln(curve) : buffer);
    }
    return NULL;
}

/// Key usage bits by value, named as osquery names them, joined by ", ".
static char *key_usage(X509 *cert) {
    static const struct { uint32_t bit; const char *name; } names[] = {
        { 0x0001, "Encipher Only" }, { 0x0002, "CRL Sign" }, { 0x0004, "Key Cert Sign" }, { 0x0008, "Key Agreement" },
        { 0x0010, "Data Encipherment" }, { 0x0020, "Key Encipherment" }, { 0x0040, "Non Repudiation" },
        { 0x0080, "Digital Signature" }, { 0x8000, "Decipher Only" },
    };
    uint32_t usage = X509_get_key_usage(cert);
    if (usage == UINT32_MAX) return NULL;
    char buffer[256] = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(usage & names[i].bit)) continue;
        if (buffer[0]) strcat(buffer, ", ");
        strcat(buffer, names[i].name);
    }
    return strdup(buffer);
}

static long long epoch(const ASN1_TIME *t) {
    struct tm tm;
    return t && ASN1_TIME_to_tm(t, &tm) ? (long long)timegm(&tm) : 0;
}

static void describe(X509 *cert, struct vigil_cert *out) {
    char **f = out->fields;
    const X509_NAME *subject = X509_get_subject_name(cert), *issuer = X509_get_issuer_name(cert);
    f[VIGIL_CERT_COMMON_NAME] = common_name(subject);
    f[VIGIL_CERT_SUBJECT] = name_text(subject, 1);
    f[VIGIL_CERT_SUBJECT2] = name_text(subject, 0);
    f[VIGIL_CERT_ISSUER] = name_text(issuer, 1);
    f[VIGIL_CERT_ISSUER2] = name_text(issuer, 0);
    int sig_nid = X509_get_signature_nid(cert);
    if (sig_nid != NID_undef) f[VIGIL_CERT_SIGNING_ALGORITHM] = strdup(OBJ_nid2ln(sig_nid));
    ASN1_OBJECT *algorithm = NULL;
    X509_PUBKEY_get0_param(&algorithm, NULL, NULL, NULL, X509_get_X509_PUBKEY(cert));
    int key_nid = algorithm ? OBJ_obj2nid(algorithm) : NID_undef;
    if (key_nid != NID_undef) {
        f[VIGIL_CERT_KEY_ALGORITHM] = strdup(OBJ_nid2ln(key_nid));
        f[VIGIL_CERT_KEY_STRENGTH] = key_strength(cert, key_nid);
    }
    f[VIGIL_CERT_KEY_USAGE] = key_usage(cert);
    f[VIGIL_CERT_SUBJECT_KEY_ID] = hex(X509_get0_subject_key_id(cert));
    f[VIGIL_CERT_AUTHORITY_KEY_ID] = hex(X509_get0_authority_key_id(cert));
    f[VIGIL_CERT_SHA1] = vigil_x509_fingerprint(cert, EVP_sha1());
    BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *serial_hex = serial ? BN_bn2hex(serial) : NULL;
    if (serial_hex) { f[VIGIL_CERT_SERIAL] = strdup(serial_hex); OPENSSL_free(serial_hex); }
    BN_free(serial);
    out->not_valid_before = epoch(X509_get0_notBefore(cert));
    out->not_valid_after = epoch(X509_get0_notAfter(cert));
    out->ca = X509_check_ca(cert) > 0;
    out->self_signed = X509_check_issued(cert, cert) == X509_V_OK;
}

int vigil_pem_certificates(const char *path, struct vigil_cert **certs, char *error, size_t error_size) {
    *certs = NULL;
    BIO *bio = BIO_new_file(path, "r");
    if (!bio) {
        snprintf(error, error_size, "cannot open %s", path);
        ERR_clear_error();
        return -1;
    }
    STACK_OF(X509_INFO) *infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!infos) {
        snprintf(error, error_size, "%s holds no PEM data", path);
        ERR_clear_error();
        return -1;
    }
    int total = sk_X509_INFO_num(infos), count = 0;
    struct vigil_cert *out = calloc(total > 0 ? (size_t)total : 1, sizeof *out);
    for (int i = 0; out && i < total; i++) {
        X509 *cert = sk_X509_INFO_value(infos, i)->x509;
        if (cert) describe(cert, &out[count++]);
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    if (!out) {
        snprintf(error, error_size, "out of memory");
        return -1;
    }
    *certs = out;
    return count;
}

int vigil_der_certificate(const unsigned char *der, size_t der_length, struct vigil_cert *out) {
    memset(out, 0, sizeof *out);
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, (long)der_length);
    if (!cert) {
        ERR_clear_error();
        return -1;
    }
    describe(cert, out);
    X509_free(cert);
    return 0;
}

void vigil_cert_clear(struct vigil_cert *cert) {
    for (int j = 0; j < VIGIL_CERT_FIELD_COUNT; j++) { free(cert->fields[j]); cert->fields[j] = NULL; }
}

void vigil_certs_free(struct vigil_cert *certs, int count) {
    for (int i = 0; certs && i < count; i++)
        for (int j = 0; j < VIGIL_CERT_FIELD_COUNT; j++) free(certs[i].fields[j]);
    free(certs);
}
