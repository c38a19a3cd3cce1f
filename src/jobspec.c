/* jobspec.c -- a jobs file's header and rows: mapping, checks, tokens, duplicates. */
#include "jobspec.h"

#include "cbn_error.h"
#include "dupset.h"
#include "strbuf.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKEN_DOMAIN "cbn-batch/CreateFlowlog/v1"
#define TOKEN_PREFIX "cbn-"
#define TOKEN_HASH_BYTES 16
#define NOT_TAG_VALUE (-2L)
#define REQUIRED_MAX 16 /* room for rowcheck_required's entries */
#define NO_KEY (-1L)

static const char *const result_columns[] = {"Status",       "FlowLogId", "RequestId",
                                             "ErrorCode",    "ErrorMessage", "Attempts",
                                             NULL};

struct jobspec {
  struct jobs_reader *reader;
  const char *display;            /* the reader's, borrowed */
  struct jobspec_column *columns; /* ncolumns of them */
  size_t ncolumns;
  size_t header_line;
  int project_col;                /* column of ProjectName, -1 if none */
  /* The header's mapping worked out once, so a row costs no lookups by name:
   * the column of each rowcheck_required entry; for each column, the column
   * of its Tag.N.Key if it is a Tag.N.Value (NO_KEY if that key has no
   * column, NOT_TAG_VALUE otherwise); the parameter columns sorted by
   * canonical name (the order of the hashed encoding). */
  size_t required_col[REQUIRED_MAX];
  long *key_col;
  size_t *sorted_cols;
  size_t nsorted;
  /* For each column, the last value rowcheck_value accepted there. The
   * check is pure, and spreadsheets repeat values down a column (CenId,
   * RegionId, Interval, tags), so an equal cell needs no second check. */
  struct strbuf *last_ok;
  jobspec_warn_fn *warn;
  void *warn_ctx;
  int warned_upper;               /* the upper-case warning was given */
  struct dupset seen;             /* digests of this pass's valid rows */
  size_t next_index;              /* 0-based index of the next data row */
  /* Per-row scratch, reused so that a row costs no allocation once warm.
   * view is a request (sorted by name) whose items borrow the column names
   * and the record's fields: it is never given to params_release. */
  struct params view;
  struct strbuf enc;              /* the hashed encoding */
  struct strbuf why;              /* a row's problem, without "FILE:LINE: " */
  struct strbuf full;             /* "FILE:LINE: " + why */
  EVP_MD *sha256;
  EVP_MD_CTX *md;
  EVP_MD_CTX *md_domain; /* SHA-256 with TOKEN_DOMAIN and its NUL absorbed */
};

static void warnf(struct jobspec *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warnf(struct jobspec *s, const char *fmt, ...)
{
  struct strbuf sb = STRBUF_INIT;
  va_list ap;
  if (!s->warn)
    return;
  va_start(ap, fmt);
  strbuf_vaddf(&sb, fmt, ap);
  va_end(ap);
  s->warn(s->warn_ctx, sb.buf);
  strbuf_release(&sb);
}

/* ---- hashing ---------------------------------------------------------- */

static int param_cmp(const void *a, const void *b)
{
  return strcmp(((const struct param *)a)->name, ((const struct param *)b)->name);
}

/* Append the items (sorted by name) to out, each as name NUL value NUL;
 * with_token says whether a ClientToken item is part of it. */
static void encode_items(struct strbuf *out, const struct param *items, size_t n,
                         int with_token)
{
  for (size_t i = 0; i < n; i++) {
    if (!with_token && !strcmp(items[i].name, "ClientToken"))
      continue;
    strbuf_add(out, items[i].name, strlen(items[i].name) + 1);
    strbuf_add(out, items[i].value, strlen(items[i].value) + 1);
  }
}

/* The whole hashed encoding: TOKEN_DOMAIN NUL, then the items. */
static void encode(struct strbuf *out, const struct param *items, size_t n, int with_token)
{
  strbuf_reset(out);
  strbuf_add(out, TOKEN_DOMAIN, sizeof(TOKEN_DOMAIN)); /* with its NUL */
  encode_items(out, items, n, with_token);
}

/* SHA-256 of data, one shot. */
static int sha256(const void *data, size_t len, unsigned char out[32])
{
  unsigned int outlen = 0;
  return EVP_Digest(data, len, out, &outlen, EVP_sha256(), NULL) == 1 ? 0 : CBN_ECRYPTO;
}

static void token_from_hash(const unsigned char *h, char out[JOB_TOKEN_MAX])
{
  static const char hex[] = "0123456789abcdef";
  size_t k = sizeof(TOKEN_PREFIX) - 1;
  memcpy(out, TOKEN_PREFIX, k);
  for (size_t i = 0; i < TOKEN_HASH_BYTES; i++) {
    out[k++] = hex[h[i] >> 4];
    out[k++] = hex[h[i] & 15];
  }
  out[k] = '\0';
}

static uint64_t digest_from_hash(const unsigned char *h)
{
  uint64_t d = 0;
  for (int i = 0; i < 8; i++)
    d = (d << 8) | h[i];
  return d;
}

/* SHA-256 of TOKEN_DOMAIN NUL + the items, continuing from domain, a
 * context with that prefix absorbed (a copy is cheaper than a fresh start). */
static int hash_items(EVP_MD_CTX *ctx, const EVP_MD_CTX *domain, struct strbuf *enc,
                      const struct param *items, size_t n, int with_token,
                      unsigned char h[32])
{
  unsigned int outlen = 0;
  strbuf_reset(enc);
  encode_items(enc, items, n, with_token);
  if (EVP_MD_CTX_copy_ex(ctx, domain) != 1 || EVP_DigestUpdate(ctx, enc->buf, enc->len) != 1 ||
      EVP_DigestFinal_ex(ctx, h, &outlen) != 1)
    return CBN_ECRYPTO;
  return 0;
}

/* Token and digest of the sorted items n: an explicit ClientToken item is
 * the token and enters the digest; else one hash gives both. */
static int token_and_digest(EVP_MD_CTX *ctx, const EVP_MD_CTX *domain, struct strbuf *enc,
                            const struct param *items, size_t n, char token[JOB_TOKEN_MAX],
                            uint64_t *digest)
{
  unsigned char h[32];
  const char *explicit_token = NULL;
  for (size_t i = 0; i < n; i++)
    if (!strcmp(items[i].name, "ClientToken"))
      explicit_token = items[i].value;
  int rc = hash_items(ctx, domain, enc, items, n, explicit_token != NULL, h);
  if (rc < 0)
    return rc;
  if (explicit_token)
    snprintf(token, JOB_TOKEN_MAX, "%s", explicit_token);
  else
    token_from_hash(h, token);
  *digest = digest_from_hash(h);
  return 0;
}

/* A sorted shallow copy of a request's items (borrowed strings). */
static struct param *sorted_items(const struct params *request)
{
  struct param *items = cbn_xmalloc((request->n ? request->n : 1) * sizeof(*items));
  if (request->n)
    memcpy(items, request->items, request->n * sizeof(*items));
  qsort(items, request->n, sizeof(*items), param_cmp);
  return items;
}

/* SHA-256 of a request's encoding (with or without its ClientToken). */
static int hash_request(const struct params *request, int with_token, unsigned char h[32])
{
  struct strbuf enc = STRBUF_INIT;
  struct param *items = sorted_items(request);
  encode(&enc, items, request->n, with_token);
  int rc = sha256(enc.buf, enc.len, h);
  free(items);
  strbuf_release(&enc);
  return rc;
}

int jobspec_derive_token(const struct params *request, char out[JOB_TOKEN_MAX])
{
  unsigned char h[32];
  int rc = hash_request(request, 0, h);
  if (!rc)
    token_from_hash(h, out);
  return rc;
}

int jobspec_request_digest(const struct params *request, uint64_t *digest)
{
  unsigned char h[32];
  int rc = hash_request(request, 1, h);
  if (!rc)
    *digest = digest_from_hash(h);
  return rc;
}

/* The next record that has a non-empty cell. Excel writes a row of bare
 * delimiters (",,,,") for a row that is formatted but empty: it counts as
 * a blank line, as it does to the person who made the sheet. */
static int next_record(struct jobs_reader *r, const struct jobs_record **rec, char *err,
                       size_t errlen)
{
  int rc;
  while ((rc = jobs_reader_next(r, rec, err, errlen)) == 1) {
    for (size_t i = 0; i < (*rec)->nfields; i++)
      if ((*rec)->lens[i])
        return 1;
  }
  return rc;
}

/* ---- header ----------------------------------------------------------- */

static void free_columns(struct jobspec *s)
{
  for (size_t i = 0; i < s->ncolumns; i++)
    free(s->columns[i].name);
  free(s->columns);
  s->columns = NULL;
  s->ncolumns = 0;
}

/* "'CenId', 'RegionId', ..." for the missing-column message. */
static void list_columns(struct strbuf *sb, const struct jobspec *s)
{
  for (size_t i = 0; i < s->ncolumns; i++)
    strbuf_addf(sb, "%s'%s'", i ? ", " : "", s->columns[i].name);
}

static size_t column_of_param(const struct jobspec *s, const char *param)
{
  for (size_t i = 0; i < s->ncolumns; i++)
    if (s->columns[i].kind == JOBSPEC_PARAM && !strcmp(s->columns[i].param, param))
      return i;
  return s->ncolumns;
}

/* Work out required_col, key_col and sorted_cols from the columns. */
static void map_columns(struct jobspec *s)
{
  s->key_col = cbn_xmalloc(s->ncolumns * sizeof(*s->key_col));
  s->last_ok = cbn_xmalloc(s->ncolumns * sizeof(*s->last_ok));
  for (size_t i = 0; i < s->ncolumns; i++)
    strbuf_init(&s->last_ok[i], 0);
  s->sorted_cols = cbn_xmalloc(s->ncolumns * sizeof(*s->sorted_cols));
  s->nsorted = 0;
  for (size_t r = 0; r < REQUIRED_MAX && rowcheck_required[r]; r++)
    s->required_col[r] = column_of_param(s, rowcheck_required[r]);
  for (size_t i = 0; i < s->ncolumns; i++) {
    const struct jobspec_column *c = &s->columns[i];
    s->key_col[i] = NOT_TAG_VALUE;
    if (c->kind != JOBSPEC_PARAM)
      continue;
    size_t len = strlen(c->param);
    if (!strncmp(c->param, "Tag.", 4) && len > 6 && !strcmp(c->param + len - 6, ".Value")) {
      char key[ROWCHECK_NAME_MAX];
      snprintf(key, sizeof(key), "%.*s.Key", (int)(len - 6), c->param);
      size_t k = column_of_param(s, key);
      s->key_col[i] = k < s->ncolumns ? (long)k : NO_KEY;
    }
    /* Insertion into sorted_cols by canonical name. */
    size_t k = s->nsorted++;
    while (k > 0 && strcmp(s->columns[s->sorted_cols[k - 1]].param, c->param) > 0) {
      s->sorted_cols[k] = s->sorted_cols[k - 1];
      k--;
    }
    s->sorted_cols[k] = i;
  }
}

static int parse_header(struct jobspec *s, const struct jobs_record *rec, char *err,
                        size_t errlen)
{
  const char *file = s->display;
  size_t line = rec->line;
  if (rec->has_nul) {
    cbn_error_set(err, errlen, "%s:%zu: the header contains a NUL byte", file, line);
    return CBN_EPARSE;
  }
  for (size_t i = 0; i < rec->nfields; i++) {
    if (!rowcheck_utf8(rec->fields[i], rec->lens[i], NULL)) {
      cbn_error_set(err, errlen, "%s:%zu: the header is not well-formed UTF-8 (column %zu)", file, line,
           i + 1);
      return CBN_EPARSE;
    }
  }
  s->header_line = line;
  s->ncolumns = rec->nfields;
  s->columns = cbn_xcalloc(rec->nfields, sizeof(*s->columns));
  s->project_col = -1;
  for (size_t i = 0; i < rec->nfields; i++) {
    struct jobspec_column *c = &s->columns[i];
    c->name = cbn_xstrdup(rec->fields[i]);
    c->kind = JOBSPEC_CARRIED;
    if (rowcheck_canonical_name(c->name, c->param)) {
      c->kind = JOBSPEC_PARAM;
      for (size_t k = 0; k < i; k++) {
        if (s->columns[k].kind == JOBSPEC_PARAM && !strcmp(s->columns[k].param, c->param)) {
          cbn_error_set(err, errlen,
               "%s:%zu: columns %zu '%s' and %zu '%s' are the same parameter '%s'", file, line,
               k + 1, s->columns[k].name, i + 1, c->name, c->param);
          return CBN_EPARSE;
        }
      }
      if (!strcmp(c->param, "ProjectName"))
        s->project_col = (int)i;
      continue;
    }
    c->param[0] = '\0';
    for (size_t k = 0; result_columns[k]; k++)
      if (!strcasecmp(c->name, result_columns[k]))
        c->kind = JOBSPEC_RESULT;
  }
  for (size_t r = 0; rowcheck_required[r]; r++) {
    int found = 0;
    for (size_t i = 0; i < s->ncolumns && !found; i++)
      found = s->columns[i].kind == JOBSPEC_PARAM &&
              !strcmp(s->columns[i].param, rowcheck_required[r]);
    if (!found) {
      struct strbuf sb = STRBUF_INIT;
      strbuf_addf(&sb, "%s:%zu: required column '%s' is missing; the header has ", file, line,
                  rowcheck_required[r]);
      list_columns(&sb, s);
      if (s->ncolumns == 1 && strpbrk(s->columns[0].name, ",;\t"))
        strbuf_addstr(&sb, " (is --delimiter right?)");
      cbn_error_set(err, errlen, "%s", sb.buf);
      strbuf_release(&sb);
      return CBN_EPARSE;
    }
  }
  map_columns(s);
  return 0;
}

static void warn_carried(struct jobspec *s)
{
  struct strbuf sb = STRBUF_INIT;
  size_t n = 0;
  for (size_t i = 0; i < s->ncolumns; i++) {
    if (s->columns[i].kind != JOBSPEC_CARRIED)
      continue;
    if (*s->columns[i].name)
      strbuf_addf(&sb, "%s'%s'", n ? ", " : "", s->columns[i].name);
    else
      strbuf_addf(&sb, "%scolumn %zu (no name)", n ? ", " : "", i + 1);
    n++;
  }
  if (n)
    warnf(s, "%s:%zu: %s %s %s: carried through to the results, not sent", s->display,
          s->header_line, n > 1 ? "columns" : "column", sb.buf,
          n > 1 ? "are not CreateFlowlog parameters" : "is not a CreateFlowlog parameter");
  strbuf_release(&sb);
}

int jobspec_open(const char *path, const char *display, char delim, jobspec_warn_fn *warn,
                 void *warn_ctx, struct jobspec **out, char *err, size_t errlen)
{
  struct jobs_reader *reader;
  const struct jobs_record *rec;
  *out = NULL;
  int rc = jobs_reader_open(path, display, delim, &reader, err, errlen);
  if (rc < 0)
    return rc;
  struct jobspec *s = cbn_xcalloc(1, sizeof(*s));
  s->reader = reader;
  s->display = jobs_reader_display(reader);
  s->warn = warn;
  s->warn_ctx = warn_ctx;
  s->project_col = -1;
  dupset_init(&s->seen);
  params_init(&s->view);
  strbuf_init(&s->enc, 256);
  strbuf_init(&s->why, 256);
  strbuf_init(&s->full, 256);
  s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  s->md = EVP_MD_CTX_new();
  s->md_domain = EVP_MD_CTX_new();
  if (!s->sha256 || !s->md || !s->md_domain ||
      EVP_DigestInit_ex2(s->md_domain, s->sha256, NULL) != 1 ||
      EVP_DigestUpdate(s->md_domain, TOKEN_DOMAIN, sizeof(TOKEN_DOMAIN)) != 1) {
    cbn_error_set(err, errlen, "%s: cannot set up SHA-256", s->display);
    rc = CBN_ECRYPTO;
    goto err;
  }
  rc = next_record(reader, &rec, err, errlen);
  if (rc < 0)
    goto err;
  if (rc == 0) {
    cbn_error_set(err, errlen,
         "%s:1: no header: the file is empty or blank; its first line must name the "
         "columns (CenId, RegionId, ProjectName, LogStoreName, ...)",
         s->display);
    rc = CBN_EPARSE;
    goto err;
  }
  if ((rc = parse_header(s, rec, err, errlen)) < 0)
    goto err;
  s->view.items = cbn_xmalloc(s->ncolumns * sizeof(*s->view.items));
  s->view.alloc = s->ncolumns;
  warn_carried(s);
  *out = s;
  return 0;
err:
  jobspec_free(s);
  return rc;
}

void jobspec_free(struct jobspec *s)
{
  if (!s)
    return;
  jobs_reader_free(s->reader);
  for (size_t i = 0; s->last_ok && i < s->ncolumns; i++)
    strbuf_release(&s->last_ok[i]);
  free(s->last_ok);
  free_columns(s);
  free(s->key_col);
  free(s->sorted_cols);
  dupset_release(&s->seen);
  free(s->view.items); /* the items' strings are borrowed */
  strbuf_release(&s->enc);
  strbuf_release(&s->why);
  strbuf_release(&s->full);
  EVP_MD_free(s->sha256);
  EVP_MD_CTX_free(s->md);
  EVP_MD_CTX_free(s->md_domain);
  free(s);
}

const struct jobspec_column *jobspec_columns(const struct jobspec *s, size_t *ncolumns)
{
  *ncolumns = s->ncolumns;
  return s->columns;
}

int jobspec_find_column(const struct jobspec *s, const char *name)
{
  for (size_t i = 0; i < s->ncolumns; i++)
    if (!strcasecmp(s->columns[i].name, name))
      return (int)i;
  return -1;
}


int jobspec_rewind(struct jobspec *s, char *err, size_t errlen)
{
  const struct jobs_record *rec;
  int rc = jobs_reader_rewind(s->reader, err, errlen);
  if (rc < 0)
    return rc;
  rc = next_record(s->reader, &rec, err, errlen);
  if (rc < 0)
    return rc;
  int same = rc == 1 && rec->nfields == s->ncolumns && rec->line == s->header_line;
  for (size_t i = 0; same && i < s->ncolumns; i++)
    same = !strcmp(rec->fields[i], s->columns[i].name);
  if (!same) {
    cbn_error_set(err, errlen, "%s:%zu: the header changed while the file was being read", s->display,
         s->header_line);
    return CBN_EPARSE;
  }
  dupset_clear(&s->seen);
  s->next_index = 0;
  return 0;
}

/* ---- rows ------------------------------------------------------------- */

static int is_ascii(const char *p, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)p[i] >= 0x80)
      return 0;
  return 1;
}

/* How a message names the cell at index i. */
static void add_column(struct strbuf *sb, const struct jobspec *s, size_t i)
{
  if (i >= s->ncolumns)
    strbuf_addf(sb, "field %zu (past the header)", i + 1);
  else if (!*s->columns[i].name)
    strbuf_addf(sb, "column %zu", i + 1);
  else
    strbuf_addf(sb, "column '%s'", s->columns[i].name);
}

/* Check one data record; 0 if valid (token set, digest remembered), -1 with
 * s->why filled if not, or a negative CBN_E* for a library failure. */
static int check_row(struct jobspec *s, const struct jobs_record *rec,
                     char token[JOB_TOKEN_MAX])
{
  struct rowcheck_failure f;
  token[0] = '\0';
  strbuf_reset(&s->why);

  if (!s->warned_upper && s->project_col >= 0 && (size_t)s->project_col < rec->nfields &&
      rowcheck_has_upper(rec->fields[s->project_col])) {
    s->warned_upper = 1;
    warnf(s,
          "%s:%zu: column '%s': '%s' has upper-case letters, but Log Service names projects "
          "in lower case (warned once for the whole file)",
          s->display, rec->line, s->columns[s->project_col].name,
          rec->fields[s->project_col]);
  }
  if (rec->nfields != s->ncolumns) {
    strbuf_addf(&s->why, "has %zu field%s, the header has %zu", rec->nfields,
                rec->nfields == 1 ? "" : "s", s->ncolumns);
    return -1;
  }
  for (size_t i = 0; i < rec->nfields; i++) {
    if (rec->has_nul && strlen(rec->fields[i]) != rec->lens[i]) {
      add_column(&s->why, s, i);
      strbuf_addstr(&s->why, ": contains a NUL byte");
      return -1;
    }
    if (!is_ascii(rec->fields[i], rec->lens[i]) &&
        !rowcheck_utf8(rec->fields[i], rec->lens[i], NULL)) {
      add_column(&s->why, s, i);
      strbuf_addstr(&s->why, ": is not well-formed UTF-8");
      return -1;
    }
  }
  /* rowcheck_request, unrolled over the mapping worked out from the header:
   * the same checks in the same order (the required parameters; then each
   * non-empty parameter in column order, a Tag.N.Value followed by the
   * presence of its Tag.N.Key). test_jobspec holds the two to agreement. */
  for (size_t r = 0; r < REQUIRED_MAX && rowcheck_required[r]; r++) {
    if (!rec->fields[s->required_col[r]][0]) {
      add_column(&s->why, s, s->required_col[r]);
      strbuf_addstr(&s->why, ": must not be empty (it is required)");
      return -1;
    }
  }
  for (size_t i = 0; i < s->ncolumns; i++) {
    const struct jobspec_column *c = &s->columns[i];
    if (c->kind != JOBSPEC_PARAM || !rec->fields[i][0])
      continue;
    struct strbuf *last = &s->last_ok[i];
    if (last->len != rec->lens[i] || memcmp(last->buf, rec->fields[i], last->len)) {
      if (rowcheck_value(c->param, rec->fields[i], &f) < 0) {
        add_column(&s->why, s, i);
        strbuf_addf(&s->why, ": %s", f.rule);
        return -1;
      }
      strbuf_reset(last);
      strbuf_add(last, rec->fields[i], rec->lens[i]);
    }
    long k = s->key_col[i];
    if (k != NOT_TAG_VALUE && (k == NO_KEY || !rec->fields[k][0])) {
      size_t len = strlen(c->param);
      add_column(&s->why, s, i);
      strbuf_addf(&s->why, ": needs its %.*s.Key", (int)(len - 6), c->param);
      return -1;
    }
  }
  s->view.n = 0;
  for (size_t k = 0; k < s->nsorted; k++) {
    size_t i = s->sorted_cols[k];
    if (!rec->fields[i][0])
      continue;
    s->view.items[s->view.n].name = s->columns[i].param;
    s->view.items[s->view.n].value = rec->fields[i];
    s->view.n++;
  }
  struct param *it = s->view.items;
  uint64_t digest;
  int rc = token_and_digest(s->md, s->md_domain, &s->enc, it, s->view.n, token, &digest);
  if (rc < 0)
    return rc;
  size_t first = dupset_insert(&s->seen, digest, rec->line);
  if (first) {
    token[0] = '\0';
    strbuf_addf(&s->why, "duplicate of the row at line %zu", first);
    return -1;
  }
  return 0;
}

int jobspec_next(struct jobspec *s, struct job *j, char *err, size_t errlen)
{
  const struct jobs_record *rec;
  char token[JOB_TOKEN_MAX];
  int rc = next_record(s->reader, &rec, err, errlen);
  if (rc <= 0)
    return rc;
  rc = check_row(s, rec, token);
  if (rc < -1) {
    cbn_error_set(err, errlen, "%s:%zu: SHA-256 failed", s->display, rec->line);
    return rc;
  }
  j->index = s->next_index++;
  j->line = rec->line;
  j->ncells = rec->nfields;
  j->cells = cbn_xmalloc(rec->nfields * sizeof(*j->cells));
  for (size_t i = 0; i < rec->nfields; i++)
    j->cells[i] = cbn_xstrdup(rec->fields[i]);
  for (size_t i = 0; i < s->ncolumns && i < rec->nfields; i++)
    if (s->columns[i].kind == JOBSPEC_PARAM && rec->fields[i][0])
      params_add(&j->request, s->columns[i].param, rec->fields[i]);
  snprintf(j->client_token, sizeof(j->client_token), "%s", token);
  if (rc == -1) {
    struct strbuf msg = STRBUF_INIT;
    strbuf_addf(&msg, "line %zu: %s", rec->line, s->why.buf);
    j->result.status = JOB_INVALID;
    job_result_set(&j->result.error_code, "InvalidRow");
    job_result_set(&j->result.error_message, msg.buf);
    strbuf_release(&msg);
  }
  return 1;
}

int jobspec_validate(struct jobspec *s, const struct jobspec_callbacks *cb,
                     struct jobspec_counts *counts, char *err, size_t errlen)
{
  const struct jobs_record *rec;
  char token[JOB_TOKEN_MAX];
  struct jobspec_counts c = {0, 0, 0};
  int rc = jobspec_rewind(s, err, errlen);
  while (rc == 0 && (rc = next_record(s->reader, &rec, err, errlen)) == 1) {
    size_t index = s->next_index++;
    c.rows++;
    rc = check_row(s, rec, token);
    if (rc == 0) {
      c.valid++;
      if (cb && cb->valid)
        cb->valid(cb->ctx, index, rec->line, token);
    } else if (rc == -1) {
      c.invalid++;
      rc = 0;
      if (cb && cb->invalid) {
        strbuf_reset(&s->full);
        strbuf_addf(&s->full, "%s:%zu: %s", s->display, rec->line, s->why.buf);
        cb->invalid(cb->ctx, index, rec->line, s->full.buf);
      }
    } else {
      cbn_error_set(err, errlen, "%s:%zu: SHA-256 failed", s->display, rec->line);
    }
  }
  if (counts)
    *counts = c;
  if (rc < 0)
    return rc;
  return jobspec_rewind(s, err, errlen);
}
