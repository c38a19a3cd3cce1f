/* cbn_error.c -- the status table's names and texts, and never-NULL allocators. */
#include "cbn_error.h"

#include <openssl/crypto.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cbn_errname(int code)
{
  switch (code) {
  case CBN_OK: return "OK";
#define XX(name, text) case CBN_E##name: return #name;
    CBN_ERRNO_MAP(XX)
#undef XX
  default: return "UNKNOWN";
  }
}

const char *cbn_strerror(int code)
{
  switch (code) {
  case CBN_OK: return "success";
#define XX(name, text) case CBN_E##name: return text;
    CBN_ERRNO_MAP(XX)
#undef XX
  default: return "unknown error";
  }
}

void cbn_error_set(char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;
  if (!err || !errlen)
    return;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

void cbn_free_secret(char *s)
{
  if (s) {
    OPENSSL_cleanse(s, strlen(s));
    free(s);
  }
}

_Noreturn void cbn_die_nomem(void)
{
  fputs("cbn-batch: out of memory\n", stderr);
  abort();
}

void *cbn_xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (!p)
    cbn_die_nomem();
  return p;
}

void *cbn_xcalloc(size_t n, size_t size)
{
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    cbn_die_nomem();
  return p;
}

void *cbn_xrealloc(void *p, size_t n)
{
  void *q = realloc(p, n ? n : 1);
  if (!q)
    cbn_die_nomem();
  return q;
}

char *cbn_xstrdup(const char *s)
{
  return cbn_xstrndup(s, strlen(s));
}

char *cbn_xstrndup(const char *s, size_t n)
{
  char *p = cbn_xmalloc(n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}
