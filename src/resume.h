/* resume.h -- read a results file left by an earlier run, row by row.
 *
 * The model: a results file holds one row per data row of the jobs file, in
 * input order (DESIGN.md §4-5), so the old file is read in lockstep with the
 * jobs file: the n-th call to resume_next returns what the earlier run said
 * of the n-th data row. The file may be a prefix (the earlier run was
 * killed): a missing row simply means "attempt it". A torn last line (no
 * line end after it, or a quote left open) is dropped, never trusted.
 *
 * The header must be the jobs file's header followed only by result columns
 * (Status, FlowLogId, RequestId, ErrorCode, ErrorMessage, Attempts,
 * ClientToken); anything else means the file was written for another jobs
 * file, and resume_open refuses it.
 *
 * Memory: one record at a time (plus one record of look-ahead).
 * Not thread-safe: one owner at a time.
 */
#ifndef CBN_RESUME_H
#define CBN_RESUME_H

#include <stddef.h>

struct resume_reader;

/* What the earlier run said of one row. Borrowed: valid until the next
 * resume_next or resume_free. NULL for a column the file lacks. */
struct resume_row {
  int status;                /* enum job_status, or -1 if the cell is unknown */
  const char *flowlog_id;
  const char *request_id;
  const char *client_token;
  const char *attempts;
  size_t line;               /* where it sits in the old file */
};

/* Open the results file path (delimiter delim) and check its header against
 * the jobs header (jobs_header[0..ncols), case-sensitive, same order).
 * Returns 0 and *out; CBN_ENOTFOUND if the file does not exist or is empty
 * (nothing to resume); CBN_EINVAL if it belongs to another jobs file;
 * CBN_EIO/CBN_EPARSE if it cannot be read. err says what, naming the file. */
int resume_open(const char *path, char delim, char *const *jobs_header, size_t ncols,
                struct resume_reader **out, char *err, size_t errlen);

/* The earlier result for the next data row: 1 and *row, or 0 when the old
 * file has no more (complete) rows. Read errors after the header count as
 * the end of the file (what follows is attempted again, which is safe). */
int resume_next(struct resume_reader *r, struct resume_row *row);

void resume_free(struct resume_reader *r);

#endif
