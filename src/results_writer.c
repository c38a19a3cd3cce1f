/* results_writer.c -- results CSV rows: minimal quoting, formula-safe server values. */
#include "results_writer.h"

#include "cbn_error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const column_names[RESULTS_NCOLUMNS] = {
    "Status", "FlowLogId", "RequestId", "ErrorCode", "ErrorMessage", "Attempts", "ClientToken",
};

const char *results_column_name(enum results_column c)
{
  return (unsigned)c < RESULTS_NCOLUMNS ? column_names[c] : "";
}

int results_column_lookup(const char *name)
{
  for (int i = 0; i < RESULTS_NCOLUMNS; i++)
    if (!strcasecmp(name, column_names[i]))
      return i;
  return -1;
}

int results_writer_init(struct results_writer *w, FILE *out, char delimiter,
                        const char *const *header, size_t nheader, unsigned flags)
{
  memset(w, 0, sizeof(*w));
  strbuf_init(&w->line, 256);
  if (delimiter == '"' || delimiter == '\r' || delimiter == '\n' || delimiter == '\0')
    return CBN_EINVAL;
  w->out = out;
  w->delimiter = delimiter;
  w->eol = (flags & RESULTS_WRITER_CRLF) ? "\r\n" : "\n";
  w->ninput = nheader;
  w->names = cbn_xcalloc(nheader, sizeof(*w->names));
  w->cols = cbn_xcalloc(nheader + RESULTS_NCOLUMNS, sizeof(*w->cols));
  int placed[RESULTS_NCOLUMNS] = {0};
  for (size_t i = 0; i < nheader; i++) {
    struct results_writer_col *c = &w->cols[w->ncols++];
    w->names[i] = cbn_xstrdup(header[i]);
    c->name = w->names[i];
    c->input_index = (int)i;
    c->result = results_column_lookup(header[i]);
    if (c->result >= 0) {
      if (placed[c->result])
        c->result = -1; /* a second copy stays a plain input column */
      else
        placed[c->result] = 1;
    }
  }
  for (int r = 0; r < RESULTS_NCOLUMNS; r++) {
    if (placed[r])
      continue;
    struct results_writer_col *c = &w->cols[w->ncols++];
    c->name = column_names[r];
    c->input_index = -1;
    c->result = r;
  }
  return 0;
}

void results_writer_release(struct results_writer *w)
{
  for (size_t i = 0; i < w->ninput; i++)
    free(w->names ? w->names[i] : NULL);
  free(w->names);
  free(w->cols);
  strbuf_release(&w->line);
  memset(w, 0, sizeof(*w));
}

static int is_blank(char ch)
{
  return ch == ' ' || ch == '\t';
}

/* Whether guard + s (guard is "'" or "") must be quoted. */
static int needs_quotes(const char *guard, const char *s, char delim)
{
  size_t n = strlen(s);
  char first = *guard ? *guard : s[0];
  char last = n ? s[n - 1] : '\0';
  if (is_blank(first) || is_blank(last))
    return 1;
  for (const char *p = s; *p; p++)
    if (*p == delim || *p == '"' || *p == '\r' || *p == '\n')
      return 1;
  return 0;
}

/* Append one field; server marks a value from the API (formula-guarded). */
static void add_field(struct strbuf *sb, const char *s, char delim, int server)
{
  if (!s)
    s = "";
  const char *guard = server && strchr("=+-@\t\r", s[0]) && s[0] ? "'" : "";
  int quote = needs_quotes(guard, s, delim);
  if (quote)
    strbuf_addch(sb, '"');
  strbuf_addstr(sb, guard);
  for (const char *p = s; *p; p++) {
    if (*p == '"')
      strbuf_addch(sb, '"');
    strbuf_addch(sb, *p);
  }
  if (quote)
    strbuf_addch(sb, '"');
}

static int io_fail(struct results_writer *w, const char *what, int err)
{
  if (!w->failed) {
    w->failed = 1;
    snprintf(w->err, sizeof(w->err), "%s: %s", what, strerror(err ? err : EIO));
  }
  return CBN_EIO;
}

static int emit_line(struct results_writer *w)
{
  strbuf_addstr(&w->line, w->eol);
  errno = 0;
  if (fwrite(w->line.buf, 1, w->line.len, w->out) != w->line.len || ferror(w->out))
    return io_fail(w, "write error", errno);
  return 0;
}

int results_writer_header(struct results_writer *w)
{
  if (w->failed)
    return CBN_EIO;
  strbuf_reset(&w->line);
  for (size_t i = 0; i < w->ncols; i++) {
    if (i)
      strbuf_addch(&w->line, w->delimiter);
    add_field(&w->line, w->cols[i].name, w->delimiter, 0);
  }
  return emit_line(w);
}

int results_writer_row(struct results_writer *w, const char *const *cells, size_t ncells,
                       const struct job_result *res, const char *client_token)
{
  if (w->failed)
    return CBN_EIO;
  if (res->status == JOB_PENDING)
    return CBN_EINVAL;
  char attempts[24];
  snprintf(attempts, sizeof(attempts), "%d", res->attempts);
  strbuf_reset(&w->line);
  for (size_t i = 0; i < w->ncols; i++) {
    const struct results_writer_col *c = &w->cols[i];
    if (i)
      strbuf_addch(&w->line, w->delimiter);
    switch (c->result) {
    case RESULTS_STATUS:
      add_field(&w->line, job_status_name(res->status), w->delimiter, 0);
      break;
    case RESULTS_FLOWLOG_ID:
      add_field(&w->line, res->flowlog_id, w->delimiter, 1);
      break;
    case RESULTS_REQUEST_ID:
      add_field(&w->line, res->request_id, w->delimiter, 1);
      break;
    case RESULTS_ERROR_CODE:
      add_field(&w->line, res->error_code, w->delimiter, 1);
      break;
    case RESULTS_ERROR_MESSAGE:
      add_field(&w->line, res->error_message, w->delimiter, 1);
      break;
    case RESULTS_ATTEMPTS:
      add_field(&w->line, attempts, w->delimiter, 0);
      break;
    case RESULTS_CLIENT_TOKEN:
      add_field(&w->line, client_token, w->delimiter, 0);
      break;
    default:
      add_field(&w->line, (size_t)c->input_index < ncells ? cells[c->input_index] : "",
                w->delimiter, 0);
      break;
    }
  }
  return emit_line(w);
}

int results_writer_flush(struct results_writer *w)
{
  if (w->failed)
    return CBN_EIO;
  errno = 0;
  if (fflush(w->out) != 0 || ferror(w->out))
    return io_fail(w, "write error", errno);
  if (fsync(fileno(w->out)) != 0 && errno != EINVAL && errno != EROFS && errno != ENOTSUP)
    return io_fail(w, "fsync", errno);
  return 0;
}
