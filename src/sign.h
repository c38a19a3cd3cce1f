/* sign.h -- Alibaba Cloud RPC signature, version 1.0 (HMAC-SHA1).
 *
 * The model (DESIGN.md §7): every parameter of the request, common ones
 * included and Signature excluded, is percent-encoded (only A-Za-z0-9-_.~
 * stay literal, everything else %XX upper-case over UTF-8 bytes), sorted by
 * name, joined as name=value with '&' into the canonicalised query. The
 * string to sign is METHOD "&" "%2F" "&" encode(canonicalised query). The
 * signature is base64(HMAC-SHA1(secret + "&", string to sign)).
 *
 * The same code signs the client's requests and checks them in the emulator.
 * All functions are thread-safe (no shared state; OpenSSL 3 needs no locks).
 * Output goes to caller-owned buffers; nothing here fails except for
 * allocation (which aborts) and the random generator (sign_nonce).
 */
#ifndef CBN_SIGN_H
#define CBN_SIGN_H

#include "params.h"
#include "strbuf.h"

#include <stddef.h>
#include <time.h>

/* Base64 of a 20-byte digest is 28 characters, plus NUL. */
#define SIGN_V1_LEN 29
/* 32 hex digits plus NUL. */
#define SIGN_NONCE_LEN 33
/* "YYYY-MM-DDThh:mm:ssZ" plus NUL. */
#define SIGN_TIMESTAMP_LEN 21

/* Append the RPC percent-encoding of s[0..len) to out. */
void sign_percent_encode(struct strbuf *out, const char *s, size_t len);

/* Append the canonicalised query string of p to out: every parameter except
 * "Signature", sorted by name in byte order, name=value joined with '&',
 * both percent-encoded. p itself is not reordered. */
void sign_canonical_query(struct strbuf *out, const struct params *p);

/* Append METHOD&%2F&encode(canonical query) to out. method may be "". */
void sign_string_to_sign(struct strbuf *out, const char *method, const struct params *p);

/* base64(HMAC-SHA1(key, msg)) into out. */
void sign_hmac_sha1_b64(char out[SIGN_V1_LEN], const char *key, size_t keylen,
                        const char *msg, size_t msglen);

/* The v1 signature of p sent with method, for the AccessKeySecret secret
 * (the HMAC key is secret + "&"). If sts is non-NULL the string to sign is
 * also appended to it (the emulator quotes it in SignatureDoesNotMatch). */
void sign_v1(char out[SIGN_V1_LEN], const char *method, const struct params *p,
             const char *secret, struct strbuf *sts);

/* A fresh SignatureNonce: 16 bytes from OpenSSL's random generator in hex.
 * Returns 0, or CBN_ECRYPTO if the generator fails (out is then ""). */
int sign_nonce(char out[SIGN_NONCE_LEN]);

/* t as a UTC Timestamp, "YYYY-MM-DDThh:mm:ssZ". */
void sign_timestamp(char out[SIGN_TIMESTAMP_LEN], time_t t);

/* Parse a Timestamp of exactly that shape into *t. Returns 0 or CBN_EPARSE. */
int sign_parse_timestamp(const char *s, time_t *t);

/* An AccessKeySecret made ready for many signatures: an HMAC-SHA1 context
 * keyed with secret + "&" once, duplicated for each signature, so signing
 * costs no algorithm look-up and no key set-up (the worker pool signs every
 * attempt). Owned by one thread at a time; sign_key_free wipes it. */
struct sign_key;

/* A keyed context, or NULL (out of memory / libcrypto failure). */
struct sign_key *sign_key_new(const char *secret);
void sign_key_free(struct sign_key *k);

/* sign_v1_encode_request with a prepared key; same output. Returns 0, or
 * CBN_ECRYPTO (out then holds the canonical query without Signature). */
int sign_v1_encode_request_keyed(struct strbuf *out, const char *method, const struct params *p,
                                 struct sign_key *k);

/* Sign p (which must already hold every common parameter but Signature) and
 * append the wire form to out: the canonicalised query followed by
 * "&Signature=" and the encoded signature. The result is both a GET query
 * string and a POST form body. */
void sign_v1_encode_request(struct strbuf *out, const char *method,
                            const struct params *p, const char *secret);

#endif
