/* job.h -- one row of the jobs file on its way to a result.
 *
 * The model: the reader makes a job per data row (its cells, its line, its
 * CreateFlowlog parameters and ClientToken); a worker fills job->result,
 * possibly over several attempts; the writer turns (cells, result) into one
 * results row, in input order. A job is owned by exactly one stage at a time
 * (reader -> queue -> worker -> writer), so it needs no lock of its own.
 */
#ifndef CBN_JOB_H
#define CBN_JOB_H

#include "params.h"

#include <stddef.h>

/* The Status column's values (DESIGN.md §4). */
#define JOB_STATUS_MAP(XX)                                                   \
  XX(PENDING, "pending") /* not yet finished: never written */               \
  XX(CREATED, "created")                                                     \
  XX(FAILED, "failed")                                                       \
  XX(INVALID, "invalid")                                                     \
  XX(NOT_RUN, "not-run")                                                     \
  XX(DRY_RUN, "dry-run")

enum job_status {
#define XX(name, text) JOB_##name,
  JOB_STATUS_MAP(XX)
#undef XX
};

/* "created", "failed", ...; never NULL. */
const char *job_status_name(enum job_status s);
/* The status for a Status cell ("created"), or -1 if it is none of them. */
int job_status_parse(const char *s);

/* What happened to a row. Every string is owned (malloc'd) or NULL. */
struct job_result {
  enum job_status status;
  char *flowlog_id;    /* FlowLogId from the API (created) */
  char *request_id;    /* RequestId of the last answer, if any */
  char *error_code;    /* the API's Code, or ours (NetworkError, Timeout, InvalidRow, ...) */
  char *error_message; /* the API's Message, or ours: something a person can act on */
  int attempts;        /* requests sent for this row, retries included */
};

/* ClientToken: at most 64 printable ASCII characters, plus NUL. */
#define JOB_TOKEN_MAX 65

struct job {
  size_t index;          /* 0-based data row number (input order) */
  size_t line;           /* 1-based line in the jobs file where the record starts */
  char **cells;          /* the record's cells, trimmed, owned; ncells of them */
  size_t ncells;
  struct params request; /* CreateFlowlog parameters by canonical name, non-empty only */
  char client_token[JOB_TOKEN_MAX];
  struct job_result result;
  /* retry state, owned by the worker while it holds the job */
  int retry_after_ms;    /* x-acs-retry-after of the last answer, -1 if none */
};

/* A zeroed job with an empty request, status PENDING. */
void job_init(struct job *j);
/* Free every owned string and the cells; the job is left as after job_init. */
void job_release(struct job *j);
/* Free the result's strings and set them to NULL (status unchanged). */
void job_result_clear(struct job_result *r);
/* Replace one of the result's strings with a copy of s (NULL clears it). */
void job_result_set(char **field, const char *s);

#endif
