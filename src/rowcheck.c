/* rowcheck.c -- CreateFlowlog parameter rules, shared by client and emulator. */
#include "rowcheck.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const rowcheck_required[] = {"CenId", "RegionId", "ProjectName", "LogStoreName",
                                         NULL};

static const char *const plain_names[] = {
  "CenId",       "RegionId",        "ProjectName",     "LogStoreName",
  "FlowLogName", "Description",     "ClientToken",     "Interval",
  "LogFormatString", "TransitRouterId", "TransitRouterAttachmentId", NULL};

static void fail(struct rowcheck_failure *f, const char *param, const char *code,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void fail(struct rowcheck_failure *f, const char *param, const char *code,
                 const char *fmt, ...)
{
  va_list ap;
  snprintf(f->param, sizeof(f->param), "%s", param);
  snprintf(f->api_code, sizeof(f->api_code), "%s", code);
  va_start(ap, fmt);
  vsnprintf(f->rule, sizeof(f->rule), fmt, ap);
  va_end(ap);
}

/* Parse "Tag.N.Key"/"Tag.N.Value" (any case): returns N (1..20) and sets
 * *is_key, or 0. */
static int parse_tag(const char *name, int *is_key)
{
  if (strncasecmp(name, "tag.", 4))
    return 0;
  const char *p = name + 4;
  if (*p < '1' || *p > '9')
    return 0;
  int n = 0;
  while (*p >= '0' && *p <= '9' && n <= ROWCHECK_MAX_TAGS)
    n = n * 10 + (*p++ - '0');
  if (n < 1 || n > ROWCHECK_MAX_TAGS || *p != '.')
    return 0;
  p++;
  if (!strcasecmp(p, "key"))
    *is_key = 1;
  else if (!strcasecmp(p, "value"))
    *is_key = 0;
  else
    return 0;
  return n;
}

const char *rowcheck_canonical_name(const char *name, char out[ROWCHECK_NAME_MAX])
{
  for (size_t i = 0; plain_names[i]; i++) {
    if (!strcasecmp(name, plain_names[i])) {
      size_t len = strlen(plain_names[i]); /* every plain name fits: see ROWCHECK_NAME_MAX */
      memcpy(out, plain_names[i], len + 1);
      return out;
    }
  }
  int is_key;
  int n = parse_tag(name, &is_key);
  if (!n)
    return NULL;
  /* "Tag." N "." Key|Value, N = 1..20: at most 14 bytes with the NUL. */
  char *w = out;
  memcpy(w, "Tag.", 4);
  w += 4;
  if (n >= 10)
    *w++ = (char)('0' + n / 10);
  *w++ = (char)('0' + n % 10);
  memcpy(w, is_key ? ".Key" : ".Value", is_key ? 5 : 7);
  return out;
}

int rowcheck_is_required(const char *canonical)
{
  for (size_t i = 0; rowcheck_required[i]; i++)
    if (!strcmp(canonical, rowcheck_required[i]))
      return 1;
  return 0;
}

/* Decode one code point at s; returns its length in bytes or 0 if malformed. */
static size_t utf8_next(const unsigned char *s, size_t len, unsigned *cp)
{
  unsigned c = s[0];
  size_t n;
  unsigned min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2, min = 0x80, c &= 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, min = 0x800, c &= 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, c &= 0x07;
  } else {
    return 0;
  }
  if (n > len)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    c = (c << 6) | (s[i] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  *cp = c;
  return n;
}

int rowcheck_utf8(const char *s, size_t len, size_t *nchars)
{
  size_t i = 0, count = 0;
  unsigned cp;
  while (i < len) {
    size_t n = utf8_next((const unsigned char *)s + i, len - i, &cp);
    if (!n)
      return 0;
    i += n;
    count++;
  }
  if (nchars)
    *nchars = count;
  return 1;
}

int rowcheck_has_control(const char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7F)
      return 1;
  return 0;
}

int rowcheck_has_upper(const char *s)
{
  for (; *s; s++)
    if (*s >= 'A' && *s <= 'Z')
      return 1;
  return 0;
}

static int is_alpha(unsigned cp)
{
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

static int is_alnum(unsigned cp)
{
  return is_alpha(cp) || (cp >= '0' && cp <= '9');
}

/* CJK unified ideographs, extension A, compatibility ideographs, extension B. */
static int is_chinese(unsigned cp)
{
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2A6DF);
}

static unsigned first_cp(const char *s)
{
  unsigned cp = 0;
  if (!utf8_next((const unsigned char *)s, strlen(s), &cp))
    return 0;
  return cp;
}

static int starts_with_url(const char *v)
{
  return !strncasecmp(v, "http://", 7) || !strncasecmp(v, "https://", 8);
}

static int contains_url(const char *v)
{
  return strstr(v, "http://") || strstr(v, "https://");
}

/* Every code point of v is allowed by ok(); v is well-formed UTF-8. */
static int all_chars(const char *v, int (*ok)(unsigned))
{
  const unsigned char *s = (const unsigned char *)v;
  size_t len = strlen(v), i = 0;
  unsigned cp;
  while (i < len) {
    size_t n = utf8_next(s + i, len - i, &cp);
    if (!n || !ok(cp))
      return 0;
    i += n;
  }
  return 1;
}

static int project_char(unsigned cp) { return is_alnum(cp) || cp == '-'; }
static int logstore_char(unsigned cp) { return is_alnum(cp) || cp == '-' || cp == '_'; }
static int region_char(unsigned cp)
{
  return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '-';
}
static int flowlog_name_char(unsigned cp)
{
  return is_alnum(cp) || cp == '.' || cp == '_' || cp == '-' || is_chinese(cp);
}
static int token_char(unsigned cp) { return cp >= 0x21 && cp <= 0x7E; }

static int sls_name(const char *param, const char *v, size_t nchars, int (*ok)(unsigned),
                    const char *set, struct rowcheck_failure *f)
{
  size_t len = strlen(v);
  if (nchars < 3 || nchars > 63 || !all_chars(v, ok) || !is_alnum((unsigned char)v[0]) ||
      !is_alnum((unsigned char)v[len - 1])) {
    fail(f, param, "InvalidParameter",
         "must be 3-63 characters of %s, starting and ending with a letter or digit", set);
    return -1;
  }
  return 0;
}

enum param_id {
  P_OTHER, P_CEN, P_REGION, P_PROJECT, P_LOGSTORE, P_DESCRIPTION, P_FLOWLOG_NAME, P_INTERVAL,
  P_TOKEN, P_LOG_FORMAT, P_TR, P_TAG
};

/* Which rule a canonical name follows: one comparison after a switch on the
 * first letter (this runs for every cell of a million-row file). */
static enum param_id param_id(const char *name)
{
  switch (name[0]) {
  case 'C':
    return !strcmp(name, "CenId") ? P_CEN : !strcmp(name, "ClientToken") ? P_TOKEN : P_OTHER;
  case 'R': return !strcmp(name, "RegionId") ? P_REGION : P_OTHER;
  case 'P': return !strcmp(name, "ProjectName") ? P_PROJECT : P_OTHER;
  case 'L':
    return !strcmp(name, "LogStoreName")      ? P_LOGSTORE
           : !strcmp(name, "LogFormatString") ? P_LOG_FORMAT
                                              : P_OTHER;
  case 'D': return !strcmp(name, "Description") ? P_DESCRIPTION : P_OTHER;
  case 'F': return !strcmp(name, "FlowLogName") ? P_FLOWLOG_NAME : P_OTHER;
  case 'I': return !strcmp(name, "Interval") ? P_INTERVAL : P_OTHER;
  case 'T':
    if (!strcmp(name, "TransitRouterId"))
      return P_TR;
    return !strncmp(name, "Tag.", 4) ? P_TAG : P_OTHER;
  default: return P_OTHER;
  }
}

/* One pass over v: well-formed UTF-8 (*nchars code points), and whether it
 * holds a control character. Returns 0 if malformed. */
static int scan_text(const char *v, size_t *nchars, int *control)
{
  const unsigned char *s = (const unsigned char *)v;
  size_t i = 0, count = 0;
  int ctl = 0;
  for (;;) {
    while (s[i] >= 0x20 && s[i] < 0x7F) /* the common case: printable ASCII */
      i++, count++;
    if (!s[i])
      break;
    if (s[i] < 0x80) {
      ctl = 1;
      i++, count++;
      continue;
    }
    unsigned cp;
    size_t n = utf8_next(s + i, strlen((const char *)s + i), &cp);
    if (!n)
      return 0;
    i += n;
    count++;
  }
  *nchars = count;
  *control = ctl;
  return 1;
}

/* The rule Description and FlowLogName share: min..max characters, starting
 * with a letter or a Chinese character, not with http(s)://. */
static int named_text(const char *name, const char *v, size_t nchars, size_t min, size_t max,
                      struct rowcheck_failure *f)
{
  unsigned c = first_cp(v);
  if (nchars < min || nchars > max) {
    fail(f, name, "InvalidParameter", "must be %zu-%zu characters long", min, max);
    return -1;
  }
  if (starts_with_url(v)) {
    fail(f, name, "InvalidParameter", "must not start with http:// or https://");
    return -1;
  }
  if (!is_alpha(c) && !is_chinese(c)) {
    fail(f, name, "InvalidParameter", "must start with a letter or a Chinese character");
    return -1;
  }
  return 0;
}

int rowcheck_value(const char *name, const char *v, struct rowcheck_failure *f)
{
  size_t nchars = 0;
  int control = 0;
  if (!scan_text(v, &nchars, &control)) {
    fail(f, name, "InvalidParameter", "must be well-formed UTF-8");
    return -1;
  }
  if (control) {
    fail(f, name, "InvalidParameter", "must not contain control characters");
    return -1;
  }
  int is_key = 0;
  switch (param_id(name)) {
  case P_CEN:
    if (strncmp(v, "cen-", 4) || !v[4]) {
      fail(f, name, "InvalidParameter", "must start with 'cen-' (e.g. cen-7qthudw0ll6jmc****)");
      return -1;
    }
    break;
  case P_REGION:
    if (!*v || !all_chars(v, region_char)) {
      fail(f, name, "InvalidParameter",
           "must be lower-case letters, digits and '-' (e.g. cn-hangzhou)");
      return -1;
    }
    break;
  case P_PROJECT:
    return sls_name(name, v, nchars, project_char, "letters, digits and '-'", f);
  case P_LOGSTORE:
    return sls_name(name, v, nchars, logstore_char, "letters, digits, '_' and '-'", f);
  case P_DESCRIPTION:
    return named_text(name, v, nchars, 2, 256, f);
  case P_FLOWLOG_NAME:
    if (named_text(name, v, nchars, 2, 128, f) < 0)
      return -1;
    if (!all_chars(v, flowlog_name_char)) {
      fail(f, name, "InvalidParameter",
           "may contain only letters, digits, Chinese characters, '.', '_' and '-'");
      return -1;
    }
    break;
  case P_INTERVAL:
    if (strcmp(v, "60") && strcmp(v, "600")) {
      fail(f, name, "InvalidParameter", "must be 60 or 600 (seconds)");
      return -1;
    }
    break;
  case P_TOKEN:
    if (nchars < 1 || nchars > 64 || !all_chars(v, token_char)) {
      fail(f, name, "InvalidParameter",
           "must be 1-64 printable ASCII characters without spaces");
      return -1;
    }
    break;
  case P_LOG_FORMAT:
    if (strncmp(v, "${srcaddr}${dstaddr}${bytes}", 28)) {
      fail(f, name, "InvalidParameter", "must start with ${srcaddr}${dstaddr}${bytes}");
      return -1;
    }
    break;
  case P_TR:
    if (strncmp(v, "tr-", 3) || !v[3]) {
      fail(f, name, "InvalidParameter", "must start with 'tr-'");
      return -1;
    }
    break;
  case P_TAG:
    if (!parse_tag(name, &is_key))
      break;
    if ((is_key && nchars < 1) || nchars > (is_key ? 64u : 128u)) {
      fail(f, name, "InvalidParameter", is_key ? "must be 1-64 characters long"
                                               : "must be at most 128 characters long");
      return -1;
    }
    if (!strncasecmp(v, "aliyun", 6) || !strncasecmp(v, "acs:", 4)) {
      fail(f, name, "InvalidParameter", "must not start with 'aliyun' or 'acs:'");
      return -1;
    }
    if (contains_url(v)) {
      fail(f, name, "InvalidParameter", "must not contain http:// or https://");
      return -1;
    }
    break;
  case P_OTHER:
    break;
  }
  return 0;
}

int rowcheck_request(const struct params *p, struct rowcheck_failure *f)
{
  for (size_t i = 0; rowcheck_required[i]; i++) {
    const char *v = params_get(p, rowcheck_required[i]);
    if (!v || !*v) {
      char code[64];
      snprintf(code, sizeof(code), "Missing%s", rowcheck_required[i]);
      fail(f, rowcheck_required[i], code, "is required");
      return -1;
    }
  }
  char canon[ROWCHECK_NAME_MAX];
  for (size_t i = 0; i < p->n; i++) {
    const char *name = p->items[i].name;
    if (!rowcheck_canonical_name(name, canon) || strcmp(canon, name))
      continue;
    if (rowcheck_value(name, p->items[i].value, f) < 0)
      return -1;
    int is_key;
    int tag = parse_tag(name, &is_key);
    if (tag && !is_key) {
      char key[ROWCHECK_NAME_MAX];
      snprintf(key, sizeof(key), "Tag.%d.Key", tag);
      const char *k = params_get(p, key);
      if (!k || !*k) {
        fail(f, name, "InvalidParameter", "needs its %s", key);
        return -1;
      }
    }
  }
  return 0;
}
