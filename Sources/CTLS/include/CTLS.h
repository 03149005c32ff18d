// OpenSSL's libssl and libcrypto (libssl-dev): the peer certificate of a TLS server
// and the X.509 fields osquery's curl_certificate table shows. OpenSSL's macros and
// BIO plumbing stay in C; Swift gets plain strings.
#ifndef VIGIL_CTLS_H
#define VIGIL_CTLS_H
#include <stddef.h>

/// Connect to `host`:`port` over TCP and TLS (SNI `host`, no verification: the
/// point is to look at whatever certificate is served), giving up after
/// `timeout_ms` at each step. On success returns 0 and the certificate in DER form
/// (free it with vigil_tls_free). Else -1 and `error` says which step failed.
int vigil_tls_peer_certificate(const char *host, const char *port, int timeout_ms,
                               unsigned char **der, size_t *der_length, char *error, size_t error_size);
void vigil_tls_free(unsigned char *der);

/// The text fields of a certificate, in this order; each malloc'd, NULL when absent.
enum vigil_x509_field {
    VIGIL_X509_COMMON_NAME, VIGIL_X509_ORGANIZATION, VIGIL_X509_ORGANIZATION_UNIT, VIGIL_X509_SERIAL_NUMBER,
    VIGIL_X509_ISSUER_COMMON_NAME, VIGIL_X509_ISSUER_ORGANIZATION, VIGIL_X509_ISSUER_ORGANIZATION_UNIT,
    VIGIL_X509_VALID_FROM, VIGIL_X509_VALID_TO, VIGIL_X509_SHA256_FINGERPRINT, VIGIL_X509_SHA1_FINGERPRINT,
    VIGIL_X509_SIGNATURE_ALGORITHM, VIGIL_X509_SIGNATURE, VIGIL_X509_SUBJECT_KEY_IDENTIFIER,
    VIGIL_X509_AUTHORITY_KEY_IDENTIFIER, VIGIL_X509_KEY_USAGE, VIGIL_X509_EXTENDED_KEY_USAGE, VIGIL_X509_POLICIES,
    VIGIL_X509_SUBJECT_ALTERNATIVE_NAMES, VIGIL_X509_ISSUER_ALTERNATIVE_NAMES, VIGIL_X509_INFO_ACCESS,
    VIGIL_X509_SUBJECT_INFO_ACCESS, VIGIL_X509_POLICY_MAPPINGS, VIGIL_X509_BASIC_CONSTRAINT,
    VIGIL_X509_NAME_CONSTRAINTS, VIGIL_X509_POLICY_CONSTRAINTS, VIGIL_X509_PEM,
    VIGIL_X509_FIELD_COUNT
};

struct vigil_x509_description {
    char *fields[VIGIL_X509_FIELD_COUNT];
    int version;
    int has_expired;
};

/// Describe the DER certificate; returns 0, or -1 when it does not parse.
int vigil_x509_describe(const unsigned char *der, size_t der_length, struct vigil_x509_description *out);
void vigil_x509_description_free(struct vigil_x509_description *description);

/// The fields of one certificate of a PEM bundle that osquery's certificates table
/// shows, in this order; each malloc'd, NULL when the certificate lacks it.
enum vigil_cert_field {
    VIGIL_CERT_COMMON_NAME, VIGIL_CERT_SUBJECT, VIGIL_CERT_SUBJECT2, VIGIL_CERT_ISSUER, VIGIL_CERT_ISSUER2,
    VIGIL_CERT_SIGNING_ALGORITHM, VIGIL_CERT_KEY_ALGORITHM, VIGIL_CERT_KEY_STRENGTH, VIGIL_CERT_KEY_USAGE,
    VIGIL_CERT_SUBJECT_KEY_ID, VIGIL_CERT_AUTHORITY_KEY_ID, VIGIL_CERT_SHA1, VIGIL_CERT_SERIAL,
    VIGIL_CERT_FIELD_COUNT
};

struct vigil_cert {
    char *fields[VIGIL_CERT_FIELD_COUNT];
    /// Validity bounds in seconds since the epoch (UTC).
    long long not_valid_before, not_valid_after;
    /// X509_check_ca's answer (a CA), and whether the certificate names and identifies itself as its issuer.
    int ca, self_signed;
};

/// Every certificate in the PEM file at `path` (other PEM blocks are skipped). Returns
/// how many, with the array in `certs` (free it with vigil_certs_free), or -1 and
/// `error` says why (the file cannot be opened or holds no PEM).
int vigil_pem_certificates(const char *path, struct vigil_cert **certs, char *error, size_t error_size);
void vigil_certs_free(struct vigil_cert *certs, int count);
/// One DER certificate described into `out` (free its fields with vigil_cert_clear);
/// 0, or -1 when the bytes are not a DER X.509 certificate.
int vigil_der_certificate(const unsigned char *der, size_t der_length, struct vigil_cert *out);
void vigil_cert_clear(struct vigil_cert *cert);
#endif
