/* results_writer.h -- one results CSV row per input row (DESIGN.md §4).
 *
 * The model: the writer knows the input's header and produces the output
 * header once: the input's own columns, names and order untouched, then the
 * result columns Status, FlowLogId, RequestId, ErrorCode, ErrorMessage,
 * Attempts, ClientToken. A result column the input already has (matched
 * case-insensitively, as a results file fed back as a jobs file does) is
 * reused at its position under the input's spelling, not repeated; only its
 * first occurrence is. A reused column gets the new result, not the old cell.
 *
 * Each row is the input's cells as they came, then the result. Cells:
 *   - quoting is minimal, so the output diffs cleanly against the input: a
 *     field is quoted only if it holds the delimiter, '"', CR or LF, or
 *     starts or ends with a space or tab; quotes inside are doubled;
 *   - values that came from the server (FlowLogId, RequestId, ErrorCode,
 *     ErrorMessage) starting with '=', '+', '-', '@', tab or CR get a
 *     leading "'" so a spreadsheet cannot run them as a formula; the user's
 *     own cells and our Status, Attempts and ClientToken are never altered;
 *   - bytes are copied as they are (UTF-8, Chinese text untouched);
 *   - Attempts is always a number: the requests sent for the row, "0" for
 *     rows never sent (invalid, dry-run, most not-run);
 *   - a row with fewer cells than the header (only invalid rows) is padded
 *     with empty cells; cells beyond the header's count are dropped (the
 *     row is invalid and its ErrorMessage says so).
 *
 * Errors: the caller owns the FILE (opens, renames, closes it). Every write
 * is checked; the first failure makes the writer sticky-failed: that call
 * and every later one return CBN_EIO and w->err says why ("write error: No
 * space left on device"). Since stdio buffers, a full disk often shows only
 * at results_writer_flush, so call it periodically and before closing.
 *
 * Thread-safety: none; one thread owns the writer (STYLE.md §6).
 */
#ifndef CBN_RESULTS_WRITER_H
#define CBN_RESULTS_WRITER_H

#include "job.h"
#include "strbuf.h"

#include <stddef.h>
#include <stdio.h>

/* The result columns, in output order. */
enum results_column {
  RESULTS_STATUS,
  RESULTS_FLOWLOG_ID,
  RESULTS_REQUEST_ID,
  RESULTS_ERROR_CODE,
  RESULTS_ERROR_MESSAGE,
  RESULTS_ATTEMPTS,
  RESULTS_CLIENT_TOKEN,
  RESULTS_NCOLUMNS
};

enum results_writer_flags {
  RESULTS_WRITER_CRLF = 1 /* end lines with CR LF (as the input did), not LF */
};

/* One output column: an input column, a result column, or both (reused). */
struct results_writer_col {
  const char *name; /* header text (the input's spelling, or ours); borrowed or static */
  int input_index;  /* which input cell, or -1 for an appended result column */
  int result;       /* an enum results_column, or -1 for a plain input column */
};

struct results_writer {
  FILE *out;                       /* borrowed; the caller opens and closes it */
  char delimiter;                  /* ',' ';' or '\t' */
  const char *eol;                 /* "\n" or "\r\n" */
  size_t ninput;                   /* the input header's column count */
  struct results_writer_col *cols; /* the output columns, in order */
  size_t ncols;
  char **names;       /* owned copies of the input header */
  struct strbuf line; /* the row being built */
  int failed;         /* sticky: a write failed */
  char err[256];      /* why, once failed */
};

/* The canonical name of a result column ("Status", ...). */
const char *results_column_name(enum results_column c);

/* The result column called name (case-insensitive), or -1 if none. The jobs
 * reader uses it to recognise and ignore result columns. */
int results_column_lookup(const char *name);

/* Set w up to write to out with the input's delimiter and header (copied;
 * the caller keeps its own). flags is 0 or RESULTS_WRITER_CRLF. Returns 0,
 * or CBN_EINVAL for a delimiter that is a quote, CR or LF. Release with
 * results_writer_release either way. */
int results_writer_init(struct results_writer *w, FILE *out, char delimiter,
                        const char *const *header, size_t nheader, unsigned flags);

/* Free the writer's memory. Does not flush or close out. */
void results_writer_release(struct results_writer *w);

/* Write the output header line. Returns 0 or CBN_EIO (see w->err). */
int results_writer_header(struct results_writer *w);

/* Write one row: the input cells (ncells of them, padded or cut to the
 * header's count), then res and client_token (NULL = empty) in the result
 * columns. Returns 0, CBN_EIO (see w->err), or CBN_EINVAL if res is still
 * JOB_PENDING (a caller bug: nothing is written). */
int results_writer_row(struct results_writer *w, const char *const *cells, size_t ncells,
                       const struct job_result *res, const char *client_token);

/* fflush the FILE and fsync its descriptor, so what was written survives a
 * crash. A descriptor that cannot be synced (a pipe, a terminal) is not an
 * error. Returns 0 or CBN_EIO (see w->err). */
int results_writer_flush(struct results_writer *w);

#endif
