/* strbuf.c -- growable byte buffer. */
#include "strbuf.h"

#include "cbn_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char strbuf_empty_[1];

void strbuf_init(struct strbuf *sb, size_t hint)
{
  sb->buf = strbuf_empty_;
  sb->len = 0;
  sb->alloc = 0;
  if (hint)
    strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
  if (sb->alloc)
    free(sb->buf);
  strbuf_init(sb, 0);
}

void strbuf_reset(struct strbuf *sb)
{
  strbuf_setlen(sb, 0);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
  char *res;
  if (!sb->alloc)
    strbuf_grow(sb, 0);
  res = sb->buf;
  if (len)
    *len = sb->len;
  strbuf_init(sb, 0);
  return res;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
  size_t need = sb->len + extra + 1;
  if (need < sb->len)
    cbn_die_nomem();
  if (need <= sb->alloc)
    return;
  size_t n = sb->alloc ? sb->alloc : 64;
  while (n < need)
    n = n * 2 < n ? need : n * 2;
  if (!sb->alloc) {
    sb->buf = cbn_xmalloc(n);
    sb->buf[0] = '\0';
  } else {
    sb->buf = cbn_xrealloc(sb->buf, n);
  }
  sb->alloc = n;
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
  if (!sb->alloc)
    return; /* only len 0 is possible */
  sb->len = len;
  sb->buf[len] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
  if (!len)
    return;
  strbuf_grow(sb, len);
  memcpy(sb->buf + sb->len, data, len);
  sb->len += len;
  sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
  strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
  strbuf_grow(sb, 1);
  sb->buf[sb->len++] = (char)c;
  sb->buf[sb->len] = '\0';
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
  va_list cp;
  va_copy(cp, ap);
  int n = vsnprintf(sb->buf + sb->len, sb->alloc ? sb->alloc - sb->len : 0, fmt, cp);
  va_end(cp);
  if (n < 0)
    return;
  if ((size_t)n >= (sb->alloc ? sb->alloc - sb->len : 0)) {
    strbuf_grow(sb, (size_t)n);
    vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
  }
  sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  strbuf_vaddf(sb, fmt, ap);
  va_end(ap);
}
