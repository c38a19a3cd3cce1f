/* cbn_error.h -- one table of status codes for the whole project.
 *
 * Every fallible function returns an int: 0 on success or one negative
 * CBN_E* code from the table below. The human detail (file, row, column,
 * what to do) travels separately, in a caller-owned buffer or in the job's
 * result, so it can flow straight into a results row.
 *
 * The table is an X-macro: it generates the enum, the names and the texts,
 * so they cannot drift apart (the libuv UV_ERRNO_MAP pattern).
 */
#ifndef CBN_ERROR_H
#define CBN_ERROR_H

#include <stddef.h>

#define CBN_ERRNO_MAP(XX)                                                  \
  XX(NOMEM, "out of memory")                                               \
  XX(INVAL, "invalid argument")                                            \
  XX(IO, "input/output error")                                             \
  XX(PARSE, "malformed input")                                             \
  XX(NOTFOUND, "not found")                                                \
  XX(EXISTS, "already exists")                                             \
  XX(TOOBIG, "too large")                                                  \
  XX(TIMEDOUT, "timed out")                                                \
  XX(NET, "network error")                                                 \
  XX(TLS, "TLS certificate verification failed")                           \
  XX(HTTP, "unexpected HTTP answer")                                       \
  XX(API, "the API answered with an error")                                \
  XX(CANCELED, "canceled")                                                 \
  XX(CRYPTO, "cryptographic library failure")

enum cbn_errno {
  CBN_OK = 0,
#define XX(name, text) CBN_E##name,
  CBN_ERRNO_FIRST_ = -100,
  CBN_ERRNO_MAP(XX)
#undef XX
  CBN_ERRNO_LAST_
};

/* The code's name without prefix ("NOMEM"); "UNKNOWN" for a value outside
 * the table. Never NULL, static storage. */
const char *cbn_errname(int code);

/* A lower-case text for the code ("out of memory"). Never NULL. */
const char *cbn_strerror(int code);

/* Format the human detail of a failure into the caller-owned err[errlen]
 * (nothing if err is NULL or errlen 0). */
void cbn_error_set(char *err, size_t errlen, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* Wipe a secret string (AccessKeySecret, STS token, private key) and free
 * it. NULL is a no-op. */
void cbn_free_secret(char *s);

/* Print "cbn-batch: out of memory" to stderr and abort(). For allocation
 * failures where unwinding is not worth the code (strbuf, params). */
_Noreturn void cbn_die_nomem(void);

/* malloc/calloc/realloc/strdup that never return NULL (they call
 * cbn_die_nomem). */
void *cbn_xmalloc(size_t n);
void *cbn_xcalloc(size_t n, size_t size);
void *cbn_xrealloc(void *p, size_t n);
char *cbn_xstrdup(const char *s);
char *cbn_xstrndup(const char *s, size_t n);

#endif
