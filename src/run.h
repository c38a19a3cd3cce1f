/* run.h -- one batch from jobs file to results file: the orchestration.
 *
 * The model: pass 1 reads and validates the whole jobs file, sending
 * nothing; if it is clean (or --skip-invalid), pass 2 reads it again and
 * feeds the rows through the bounded queue to the worker pool, while this
 * thread writes finished rows to the results file in input order, flushing
 * at least once a second. Signals stop dispatching; a batch-fatal answer
 * stops everything. Only main.c exits the process: run_batch returns the
 * exit code.
 */
#ifndef CBN_RUN_H
#define CBN_RUN_H

/* The process exit codes (DESIGN.md §2, README "Exit codes"). */
enum run_exit {
  RUN_EXIT_OK = 0,          /* every row created (or dry-run: every row valid) */
  RUN_EXIT_SOME_FAILED = 1, /* some rows failed or were skipped as invalid */
  RUN_EXIT_NOTHING_SENT = 2,/* usage, input, credentials or output problem */
  RUN_EXIT_FATAL = 3,       /* stopped by a batch-fatal error */
  RUN_EXIT_SIGINT = 130,
  RUN_EXIT_SIGTERM = 143,
};

enum run_progress { RUN_PROGRESS_AUTO, RUN_PROGRESS_BAR, RUN_PROGRESS_PLAIN, RUN_PROGRESS_NONE };

struct run_options {
  const char *jobs_path;
  const char *output_path;     /* "-" for stdout */
  int concurrency;             /* 1..256 */
  double rate_per_s;           /* > 0 */
  int burst;                   /* >= 1; 0 = concurrency */
  int max_attempts;            /* 1..20 */
  long timeout_ms;
  long connect_timeout_ms;
  const char *endpoint;        /* e.g. https://cbn.aliyuncs.com */
  const char *profile;         /* --profile, or NULL */
  const char *ca_bundle;       /* or NULL */
  char delimiter;              /* ',' ';' '\t' */
  int resume, overwrite, skip_invalid, dry_run;
  enum run_progress progress;
  int verbosity;               /* -1 quiet, 0 normal, 1 verbose */
};

/* Run the batch; returns an enum run_exit value. Messages go to stderr. */
int run_batch(const struct run_options *o);

#endif
