/* jobspec.h -- what a jobs file means: its columns, its rows as jobs, their
 * checks, tokens and duplicates (DESIGN.md §3 and §5).
 *
 * The model: a jobspec is an open jobs file (a jobs_reader) plus the meaning
 * of its header. jobspec_open reads the header and maps each column:
 *
 *   - a CreateFlowlog parameter (matched case-insensitively, see rowcheck.h):
 *     its non-empty cells are sent under the canonical name;
 *   - a result column of DESIGN.md §4 (Status, FlowLogId, RequestId,
 *     ErrorCode, ErrorMessage, Attempts): recognised and ignored, so a
 *     results file is itself a valid jobs file (ClientToken is a parameter);
 *   - anything else (Owner, Ticket, notes): carried through to the results,
 *     never sent; one warning for the whole file names them all.
 *
 * A run reads the file twice. Pass 1, jobspec_validate, streams every row
 * through every check without building jobs and reports each invalid row;
 * nothing is sent unless it is clean. Pass 2, jobspec_next, yields the rows
 * again as jobs (valid ones to dispatch, invalid ones already marked
 * `invalid` for the results). Both passes find the same problems: each
 * starts from a fresh duplicate set.
 *
 * A record whose cells are all empty (",,,,": Excel writes one for a row
 * that is formatted but empty) counts as a blank line: it is no row.
 *
 * The checks of a data row, first failure wins: the header's number of
 * fields; no NUL byte; every cell well-formed UTF-8 (carried-through cells
 * may hold line ends and tabs); the request's rules (those of
 * rowcheck_request, in its order: the required parameters, each value,
 * tags; worked over the header's mapping so a row costs no lookup by name);
 * not a duplicate of an earlier row.
 * A row message reads "FILE:LINE: column 'ProjectName': must be ..." (the
 * column as the header spells it), "FILE:LINE: has 5 fields, the header has
 * 6" or "FILE:LINE: duplicate of the row at line 7".
 *
 * Warnings (through the callback given to jobspec_open, each at most once a
 * file whatever the passes): the carried-through columns; the first
 * ProjectName with upper-case letters.
 *
 * ClientToken derivation (documented for users; changing it changes every
 * derived token, so it is versioned):
 *
 *   token = "cbn-" + lower-case hex of the first 16 bytes of
 *           SHA-256( "cbn-batch/CreateFlowlog/v1" NUL
 *                    for each parameter sent, ClientToken excluded, sorted
 *                    by canonical name in byte order:
 *                      name NUL value NUL )
 *
 * i.e. 36 ASCII characters. Names are canonical (CenId, Tag.1.Key) and
 * values trimmed, and neither can contain a NUL, so the encoding is
 * unambiguous: the same parameters give the same token on every run and
 * machine, whatever the column order, letter case of the header, blanks
 * around values or carried-through columns; any change to a value sent
 * gives another token. A non-empty ClientToken cell is used as it is.
 *
 * Duplicate digest: the first 8 bytes (big-endian) of SHA-256 over the same
 * encoding with every parameter sent, an explicit ClientToken included; two
 * rows with the same digest are the same request and the later one is
 * invalid. Without an explicit token the two hashes are one computation.
 *
 * Not thread-safe: one owner (the reader stage).
 */
#ifndef CBN_JOBSPEC_H
#define CBN_JOBSPEC_H

#include "job.h"
#include "jobs_reader.h"
#include "rowcheck.h"

#include <stddef.h>
#include <stdint.h>

enum jobspec_kind {
  JOBSPEC_PARAM,   /* a CreateFlowlog parameter */
  JOBSPEC_RESULT,  /* a results column (Status, FlowLogId, ...): ignored */
  JOBSPEC_CARRIED  /* anything else: carried through, not sent */
};

struct jobspec_column {
  char *name;                    /* as the header spells it, trimmed; owned */
  enum jobspec_kind kind;
  char param[ROWCHECK_NAME_MAX]; /* canonical name if JOBSPEC_PARAM, else "" */
};

/* Receives each warning, "FILE:LINE: ..." without program name. */
typedef void jobspec_warn_fn(void *ctx, const char *message);

struct jobspec;

/* Open path (display: the name in messages, NULL = path) with delimiter
 * delim and read its header. warn (may be NULL) receives the warnings.
 * Returns 0 and *out, or a negative CBN_E* with "FILE:LINE: ..." in err:
 * CBN_EIO / CBN_EPARSE / CBN_ETOOBIG from the reader, CBN_EINVAL for a bad
 * delimiter, CBN_EPARSE for an empty file, a NUL byte or invalid UTF-8 in
 * the header, a required column missing (the message lists the header's
 * columns) or two columns for the same parameter. */
int jobspec_open(const char *path, const char *display, char delim, jobspec_warn_fn *warn,
                 void *warn_ctx, struct jobspec **out, char *err, size_t errlen);

/* Close the file and free everything. NULL is a no-op. */
void jobspec_free(struct jobspec *s);

/* The header's columns, in file order. Borrowed until jobspec_free. */
const struct jobspec_column *jobspec_columns(const struct jobspec *s, size_t *ncolumns);

/* The index of the column named name (case-insensitive) or -1. */
int jobspec_find_column(const struct jobspec *s, const char *name);

/* Start again at the first data row, with an empty duplicate set. Returns 0
 * or a negative CBN_E* with err filled (the file cannot be re-read, or its
 * header changed: CBN_EPARSE). */
int jobspec_rewind(struct jobspec *s, char *err, size_t errlen);

/* The next data row as a job. j must be as after job_init; it is filled:
 * index (0-based data row), line, cells (trimmed copies of every field the
 * record had, so ncells may differ from the header's count on an invalid
 * row), request (the non-empty parameter cells under canonical names) and
 * client_token (explicit or derived; "" if an explicit one is malformed).
 * An invalid row gets result.status JOB_INVALID, error_code "InvalidRow"
 * and error_message "line 14: column 'ProjectName': ..."; a valid one stays
 * JOB_PENDING. Returns 1 with a job, 0 at the end of the file (j untouched),
 * or a negative CBN_E* file error with err filled (j untouched). */
int jobspec_next(struct jobspec *s, struct job *j, char *err, size_t errlen);

/* Pass 1's report. */
struct jobspec_callbacks {
  /* An invalid row; message is "FILE:LINE: ...". May be NULL. */
  void (*invalid)(void *ctx, size_t index, size_t line, const char *message);
  /* A valid row and its ClientToken. May be NULL. */
  void (*valid)(void *ctx, size_t index, size_t line, const char *client_token);
  void *ctx;
};

struct jobspec_counts {
  size_t rows;    /* data rows */
  size_t valid;
  size_t invalid;
};

/* Pass 1: rewind, check every data row in a stream (no allocation per row
 * once warm), call cb for each, fill counts, and rewind again so that
 * jobspec_next starts at the first data row. Returns 0 (whatever the number
 * of invalid rows) or a negative CBN_E* file error with err filled; counts
 * then hold the rows seen before it. */
int jobspec_validate(struct jobspec *s, const struct jobspec_callbacks *cb,
                     struct jobspec_counts *counts, char *err, size_t errlen);

/* Derive the ClientToken of a request (canonical names; a ClientToken
 * parameter in it is ignored) into out; see the derivation above. Returns 0
 * or CBN_ECRYPTO. Pure: the same parameters in any order give the same
 * token. */
int jobspec_derive_token(const struct params *request, char out[JOB_TOKEN_MAX]);

/* The 64-bit duplicate digest of a request (every parameter, ClientToken
 * included). Returns 0 and *digest, or CBN_ECRYPTO. */
int jobspec_request_digest(const struct params *request, uint64_t *digest);

#endif
