/* resume.c -- the earlier run's results, in lockstep with the jobs file. */
#include "resume.h"

#include "cbn_error.h"
#include "job.h"
#include "jobs_reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum { COL_STATUS, COL_FLOWLOG, COL_REQUEST, COL_CODE, COL_MESSAGE, COL_ATTEMPTS, COL_TOKEN,
       COL_COUNT };
static const char *const result_names[COL_COUNT] = {
  "Status", "FlowLogId", "RequestId", "ErrorCode", "ErrorMessage", "Attempts", "ClientToken"};

struct resume_reader {
  struct jobs_reader *rd;
  size_t nfields;          /* the header's width */
  long col[COL_COUNT];     /* column of each result field, -1 if absent */
  int torn_tail;           /* the file does not end with a line end */
  /* one record of look-ahead, owned copies */
  char **ahead;
  size_t ahead_n, ahead_line;
  int have_ahead, at_end;
  char **cur;              /* the record returned last, owned */
  size_t cur_n;
};

static void free_fields(char **f, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(f[i]);
  free(f);
}

static int result_column(const char *name)
{
  for (int i = 0; i < COL_COUNT; i++)
    if (!strcasecmp(name, result_names[i]))
      return i;
  return -1;
}

/* Read the next complete record into the look-ahead slot. */
static void fetch(struct resume_reader *r)
{
  const struct jobs_record *rec;
  char err[256];
  r->have_ahead = 0;
  if (r->at_end)
    return;
  if (jobs_reader_next(r->rd, &rec, err, sizeof(err)) != 1) {
    r->at_end = 1;
    return;
  }
  r->ahead = cbn_xcalloc(rec->nfields, sizeof(char *));
  for (size_t i = 0; i < rec->nfields; i++)
    r->ahead[i] = cbn_xstrdup(rec->fields[i]);
  r->ahead_n = rec->nfields;
  r->ahead_line = rec->line;
  r->have_ahead = 1;
}

int resume_open(const char *path, char delim, char *const *jobs_header, size_t ncols,
                struct resume_reader **out, char *err, size_t errlen)
{
  struct stat st;
  *out = NULL;
  if (stat(path, &st) < 0 || st.st_size == 0) {
    snprintf(err, errlen, "%s: nothing to resume (no such file, or empty)", path);
    return CBN_ENOTFOUND;
  }
  struct resume_reader *r = cbn_xcalloc(1, sizeof(*r));
  FILE *f = fopen(path, "rb");
  if (f) {
    int last = (fseek(f, -1, SEEK_END) == 0) ? fgetc(f) : EOF;
    r->torn_tail = last != '\n' && last != '\r';
    fclose(f);
  }
  int rc = jobs_reader_open(path, NULL, delim, &r->rd, err, errlen);
  if (rc < 0)
    goto fail;
  const struct jobs_record *hdr;
  rc = jobs_reader_next(r->rd, &hdr, err, errlen);
  if (rc <= 0) {
    if (rc == 0)
      snprintf(err, errlen, "%s: nothing to resume (no header)", path);
    rc = rc == 0 ? CBN_ENOTFOUND : rc;
    goto fail;
  }
  for (int i = 0; i < COL_COUNT; i++)
    r->col[i] = -1;
  /* The jobs file's own columns first, unchanged; then only result columns. */
  int ok = hdr->nfields >= ncols;
  for (size_t i = 0; ok && i < ncols; i++)
    ok = !strcmp(hdr->fields[i], jobs_header[i]);
  for (size_t i = 0; ok && i < hdr->nfields; i++) {
    int c = result_column(hdr->fields[i]);
    if (c >= 0 && r->col[c] < 0)
      r->col[c] = (long)i;
    else if (i >= ncols)
      ok = 0;
  }
  if (!ok || r->col[COL_STATUS] < 0) {
    snprintf(err, errlen,
             "%s: was not written for this jobs file (its columns differ); "
             "choose another results file, or --overwrite to replace it",
             path);
    rc = CBN_EINVAL;
    goto fail;
  }
  r->nfields = hdr->nfields;
  fetch(r);
  *out = r;
  return 0;
fail:
  resume_free(r);
  return rc;
}

static const char *cell(struct resume_reader *r, int c)
{
  long i = r->col[c];
  return i >= 0 && (size_t)i < r->cur_n ? r->cur[i] : NULL;
}

int resume_next(struct resume_reader *r, struct resume_row *row)
{
  for (;;) {
    if (!r->have_ahead)
      return 0;
    free_fields(r->cur, r->cur_n);
    r->cur = r->ahead;
    r->cur_n = r->ahead_n;
    size_t line = r->ahead_line;
    r->ahead = NULL;
    r->ahead_n = 0;
    fetch(r);
    /* The last record of a file without a final line end may be torn. */
    if (!r->have_ahead && r->torn_tail)
      return 0;
    if (r->cur_n != r->nfields)
      return 0; /* a record we cannot trust ends what we carry over */
    const char *st = cell(r, COL_STATUS);
    row->status = st ? job_status_parse(st) : -1;
    row->flowlog_id = cell(r, COL_FLOWLOG);
    row->request_id = cell(r, COL_REQUEST);
    row->client_token = cell(r, COL_TOKEN);
    row->attempts = cell(r, COL_ATTEMPTS);
    row->line = line;
    return 1;
  }
}

void resume_free(struct resume_reader *r)
{
  if (!r)
    return;
  jobs_reader_free(r->rd);
  free_fields(r->ahead, r->ahead_n);
  free_fields(r->cur, r->cur_n);
  free(r);
}
