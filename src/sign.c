/* sign.c -- RPC signature v1: percent-encoding, canonical query, HMAC-SHA1. */
#include "sign.h"

#include "cbn_error.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 3986 unreserved characters, the ones percent-encoding leaves as they are. */
static const unsigned char unreserved_table[256] = {
  ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
  ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
  ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
  ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
  ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
  ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1,
  ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1,
  ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['-'] = 1, ['_'] = 1,
  ['.'] = 1, ['~'] = 1,
};

void sign_percent_encode(struct strbuf *out, const char *s, size_t len)
{
  static const char hex[] = "0123456789ABCDEF";
  strbuf_grow(out, len * 3);
  char *w = out->buf + out->len;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (unreserved_table[c]) {
      *w++ = (char)c;
    } else {
      w[0] = '%';
      w[1] = hex[c >> 4];
      w[2] = hex[c & 15];
      w += 3;
    }
  }
  out->len = (size_t)(w - out->buf);
  out->buf[out->len] = '\0';
}

static int cmp_param_ptr(const void *a, const void *b)
{
  const struct param *pa = *(const struct param *const *)a;
  const struct param *pb = *(const struct param *const *)b;
  return strcmp(pa->name, pb->name);
}

void sign_canonical_query(struct strbuf *out, const struct params *p)
{
  const struct param *stack[64];
  const struct param **order = p->n <= 64 ? stack : cbn_xmalloc(p->n * sizeof(*order));
  size_t n = 0;
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->items[i].name, "Signature"))
      order[n++] = &p->items[i];
  qsort(order, n, sizeof(*order), cmp_param_ptr);
  for (size_t i = 0; i < n; i++) {
    if (i)
      strbuf_addch(out, '&');
    sign_percent_encode(out, order[i]->name, strlen(order[i]->name));
    strbuf_addch(out, '=');
    sign_percent_encode(out, order[i]->value, strlen(order[i]->value));
  }
  if (order != stack)
    free(order);
}

/* The string to sign from an already built canonical query. */
static void string_to_sign_from(struct strbuf *out, const char *method, const char *cq,
                                size_t cq_len)
{
  strbuf_addstr(out, method);
  strbuf_addstr(out, "&%2F&");
  sign_percent_encode(out, cq, cq_len);
}

void sign_string_to_sign(struct strbuf *out, const char *method, const struct params *p)
{
  struct strbuf cq = STRBUF_INIT;
  sign_canonical_query(&cq, p);
  string_to_sign_from(out, method, cq.buf, cq.len);
  strbuf_release(&cq);
}

void sign_hmac_sha1_b64(char out[SIGN_V1_LEN], const char *key, size_t keylen,
                        const char *msg, size_t msglen)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (!HMAC(EVP_sha1(), key, (int)keylen, (const unsigned char *)msg, msglen, md, &mdlen)) {
    out[0] = '\0';
    return;
  }
  EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
}

/* The signature of the string to sign msg under secret + "&". */
static void sign_message(char out[SIGN_V1_LEN], const struct strbuf *msg, const char *secret)
{
  struct strbuf key = STRBUF_INIT;
  strbuf_addstr(&key, secret);
  strbuf_addch(&key, '&');
  sign_hmac_sha1_b64(out, key.buf, key.len, msg->buf, msg->len);
  /* The key holds the secret: wipe it before it goes back to the heap. */
  OPENSSL_cleanse(key.buf, key.len);
  strbuf_release(&key);
}

void sign_v1(char out[SIGN_V1_LEN], const char *method, const struct params *p,
             const char *secret, struct strbuf *sts)
{
  struct strbuf msg = STRBUF_INIT;
  sign_string_to_sign(&msg, method, p);
  sign_message(out, &msg, secret);
  if (sts)
    strbuf_add(sts, msg.buf, msg.len);
  strbuf_release(&msg);
}

int sign_nonce(char out[SIGN_NONCE_LEN])
{
  unsigned char raw[16];
  static const char hex[] = "0123456789abcdef";
  if (RAND_bytes(raw, sizeof(raw)) != 1) {
    out[0] = '\0';
    return CBN_ECRYPTO;
  }
  for (size_t i = 0; i < sizeof(raw); i++) {
    out[2 * i] = hex[raw[i] >> 4];
    out[2 * i + 1] = hex[raw[i] & 15];
  }
  out[32] = '\0';
  return 0;
}

void sign_timestamp(char out[SIGN_TIMESTAMP_LEN], time_t t)
{
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, SIGN_TIMESTAMP_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int sign_parse_timestamp(const char *s, time_t *t)
{
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  if (strlen(s) != 20)
    return CBN_EPARSE;
  static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
  for (int i = 0; i < 20; i++) {
    if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
      return CBN_EPARSE;
  }
  tm.tm_year = atoi(s) - 1900;
  tm.tm_mon = atoi(s + 5) - 1;
  tm.tm_mday = atoi(s + 8);
  tm.tm_hour = atoi(s + 11);
  tm.tm_min = atoi(s + 14);
  tm.tm_sec = atoi(s + 17);
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return CBN_EPARSE;
  *t = timegm(&tm);
  return 0;
}

struct sign_key {
  EVP_MAC *mac;
  EVP_MAC_CTX *keyed; /* initialised with the key; duplicated per signature */
};

struct sign_key *sign_key_new(const char *secret)
{
  struct sign_key *k = calloc(1, sizeof(*k));
  struct strbuf key = STRBUF_INIT;
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (!k)
    return NULL;
  strbuf_addstr(&key, secret);
  strbuf_addch(&key, '&');
  k->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  k->keyed = k->mac ? EVP_MAC_CTX_new(k->mac) : NULL;
  int ok = k->keyed &&
           EVP_MAC_init(k->keyed, (const unsigned char *)key.buf, key.len, params) == 1;
  OPENSSL_cleanse(key.buf, key.len);
  strbuf_release(&key);
  if (!ok) {
    sign_key_free(k);
    return NULL;
  }
  return k;
}

void sign_key_free(struct sign_key *k)
{
  if (!k)
    return;
  EVP_MAC_CTX_free(k->keyed); /* OpenSSL cleanses the key material it holds */
  EVP_MAC_free(k->mac);
  free(k);
}

int sign_v1_encode_request_keyed(struct strbuf *out, const char *method, const struct params *p,
                                 struct sign_key *k)
{
  struct strbuf msg = STRBUF_INIT;
  unsigned char md[EVP_MAX_MD_SIZE];
  char sig[SIGN_V1_LEN];
  size_t mdlen = 0, start = out->len;
  sign_canonical_query(out, p);
  string_to_sign_from(&msg, method, out->buf + start, out->len - start);
  EVP_MAC_CTX *c = EVP_MAC_CTX_dup(k->keyed);
  int ok = c && EVP_MAC_update(c, (const unsigned char *)msg.buf, msg.len) == 1 &&
           EVP_MAC_final(c, md, &mdlen, sizeof(md)) == 1;
  EVP_MAC_CTX_free(c);
  strbuf_release(&msg);
  if (!ok)
    return CBN_ECRYPTO;
  EVP_EncodeBlock((unsigned char *)sig, md, (int)mdlen);
  strbuf_addstr(out, "&Signature=");
  sign_percent_encode(out, sig, strlen(sig));
  return 0;
}

void sign_v1_encode_request(struct strbuf *out, const char *method,
                            const struct params *p, const char *secret)
{
  /* The canonical query is both what is signed and the body sent: build it
   * once, straight into out. */
  char sig[SIGN_V1_LEN];
  struct strbuf msg = STRBUF_INIT;
  size_t start = out->len;
  sign_canonical_query(out, p);
  string_to_sign_from(&msg, method, out->buf + start, out->len - start);
  sign_message(sig, &msg, secret);
  strbuf_release(&msg);
  strbuf_addstr(out, "&Signature=");
  sign_percent_encode(out, sig, strlen(sig));
}
