/* params.c -- ordered request parameters. */
#include "params.h"

#include "cbn_error.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

void params_init(struct params *p)
{
  p->items = NULL;
  p->n = 0;
  p->alloc = 0;
}

void params_clear(struct params *p)
{
  for (size_t i = 0; i < p->n; i++) {
    free(p->items[i].name);
    free(p->items[i].value);
  }
  p->n = 0;
}

void params_release(struct params *p)
{
  params_clear(p);
  free(p->items);
  params_init(p);
}

void params_add(struct params *p, const char *name, const char *value)
{
  if (p->n == p->alloc) {
    p->alloc = p->alloc ? p->alloc * 2 : 16;
    p->items = cbn_xrealloc(p->items, p->alloc * sizeof(*p->items));
  }
  p->items[p->n].name = cbn_xstrdup(name);
  p->items[p->n].value = cbn_xstrdup(value);
  p->n++;
}

void params_set(struct params *p, const char *name, const char *value)
{
  for (size_t i = 0; i < p->n; i++) {
    if (!strcmp(p->items[i].name, name)) {
      char *v = cbn_xstrdup(value);
      free(p->items[i].value);
      p->items[i].value = v;
      return;
    }
  }
  params_add(p, name, value);
}

const char *params_get(const struct params *p, const char *name)
{
  for (size_t i = 0; i < p->n; i++)
    if (!strcmp(p->items[i].name, name))
      return p->items[i].value;
  return NULL;
}

int params_remove(struct params *p, const char *name)
{
  for (size_t i = 0; i < p->n; i++) {
    if (!strcmp(p->items[i].name, name)) {
      free(p->items[i].name);
      free(p->items[i].value);
      memmove(&p->items[i], &p->items[i + 1], (p->n - i - 1) * sizeof(*p->items));
      p->n--;
      return 1;
    }
  }
  return 0;
}

void params_sort(struct params *p)
{
  /* Insertion sort: stable, and requests have a few dozen parameters. */
  for (size_t i = 1; i < p->n; i++) {
    struct param cur = p->items[i];
    size_t j = i;
    while (j > 0 && strcmp(p->items[j - 1].name, cur.name) > 0) {
      p->items[j] = p->items[j - 1];
      j--;
    }
    p->items[j] = cur;
  }
}

void params_copy(struct params *dst, const struct params *src)
{
  for (size_t i = 0; i < src->n; i++)
    params_add(dst, src->items[i].name, src->items[i].value);
}

static int hexval(int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decode s[0..len) into out; '+' is a space. */
static int urldecode(struct strbuf *out, const char *s, size_t len)
{
  strbuf_reset(out);
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '%') {
      int hi, lo;
      if (i + 2 >= len)
        return CBN_EPARSE;
      hi = hexval((unsigned char)s[i + 1]);
      lo = hexval((unsigned char)s[i + 2]);
      if (hi < 0 || lo < 0)
        return CBN_EPARSE;
      strbuf_addch(out, hi * 16 + lo);
      i += 2;
    } else if (s[i] == '+') {
      strbuf_addch(out, ' ');
    } else {
      strbuf_addch(out, s[i]);
    }
  }
  return 0;
}

int params_parse_urlencoded(struct params *p, const char *s, size_t len)
{
  struct strbuf name = STRBUF_INIT, value = STRBUF_INIT;
  size_t i = 0;
  int rc = 0;
  while (i < len) {
    size_t end = i;
    while (end < len && s[end] != '&')
      end++;
    if (end > i) {
      const char *eq = memchr(s + i, '=', end - i);
      size_t nlen = eq ? (size_t)(eq - (s + i)) : end - i;
      if ((rc = urldecode(&name, s + i, nlen)) < 0)
        break;
      if (eq) {
        if ((rc = urldecode(&value, eq + 1, (size_t)(s + end - (eq + 1)))) < 0)
          break;
      } else {
        strbuf_reset(&value);
      }
      params_set(p, name.buf, value.buf);
    }
    i = end + 1;
  }
  strbuf_release(&name);
  strbuf_release(&value);
  return rc;
}
