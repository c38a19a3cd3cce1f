/* stats.h -- run counters for the live progress line and the final summary.
 *
 * The model: workers and the writer bump counters as things happen (a row
 * finished with a status, an attempt started or ended, a retry wait began
 * or ended, an answer said Throttling); the progress printer and main take a
 * consistent copy with stats_snapshot() and format it with the pure
 * functions below. Attempt latencies go into a fixed histogram of 40
 * roughly log-spaced buckets (1 ms .. 60 s, ratio 1.2-1.5, plus one for
 * anything slower), so memory is constant whatever the run's length.
 *
 * Percentiles are nearest-rank over the histogram: the answer is the upper
 * bound of the bucket holding the rank-th sample, clamped to the smallest
 * and largest latency actually seen (so a run whose samples are all equal
 * reports that value exactly). Resolution is therefore one bucket, at most
 * 50% of the value and usually 20-33%.
 *
 * Thread-safety: the mutators and stats_snapshot take the object's own
 * mutex (held for a few counter updates only); everything taking a
 * snapshot is pure and needs no lock.
 */
#ifndef CBN_STATS_H
#define CBN_STATS_H

#include "job.h"
#include "strbuf.h"

#include <pthread.h>
#include <stdint.h>

#define STATS_NSTATUS (JOB_DRY_RUN + 1)
#define STATS_NBUCKETS 40

/* A consistent copy of every counter. */
struct stats_snapshot {
  uint64_t rows[STATS_NSTATUS];     /* finished rows by enum job_status (PENDING stays 0) */
  uint64_t attempts;                /* requests sent, retries included */
  uint64_t retries;                 /* retry waits begun (attempts after a failure) */
  uint64_t throttled;               /* answers classified as throttling */
  int64_t in_flight;                /* requests sent and not yet answered */
  int64_t retrying;                 /* rows now waiting out a retry delay */
  uint64_t latency[STATS_NBUCKETS]; /* attempt latencies per bucket */
  uint64_t latency_count;           /* samples in the histogram */
  int64_t latency_min_us;           /* smallest sample, 0 while none */
  int64_t latency_max_us;           /* largest sample, 0 while none */
};

struct stats {
  pthread_mutex_t lock;
  struct stats_snapshot c; /* under lock */
};

/* Zero counters. Returns 0 or CBN_ENOMEM (mutex). */
int stats_init(struct stats *s);
void stats_release(struct stats *s);

/* A row reached its final status (written to the results). */
void stats_row_done(struct stats *s, enum job_status status);
/* A request is about to be sent. */
void stats_attempt_begin(struct stats *s);
/* That request ended after latency_us (answer, error or timeout); throttled
 * says whether the answer was a throttling one. */
void stats_attempt_end(struct stats *s, int64_t latency_us, int throttled);
/* A row starts / stops waiting for its next attempt. */
void stats_retry_begin(struct stats *s);
void stats_retry_end(struct stats *s);

/* Copy every counter under the lock. */
void stats_snapshot(struct stats *s, struct stats_snapshot *out);

/* The upper bound of latency bucket i in microseconds (INT64_MAX for the
 * last, open one). For tests and docs. */
int64_t stats_bucket_bound_us(int i);

/* The q-quantile (0 < q <= 1) of attempt latency in microseconds, as
 * described in the overview; -1 when there are no samples. */
int64_t stats_percentile_us(const struct stats_snapshot *snap, double q);

/* Rows finished with any status. */
uint64_t stats_rows_done(const struct stats_snapshot *snap);

/* Append the final summary (two lines, each ending in '\n', no program
 * prefix) to out:
 *   "1000 rows in 1m40s (10.0 rows/s): 990 created, 5 failed, 3 invalid, 2 not-run"
 *   "1012 requests, 12 retries, 7 throttled; latency p50 120 ms, p95 450 ms"
 * Statuses other than created and failed are listed only when non-zero; the
 * latency part only when there were samples. */
void stats_format_summary(const struct stats_snapshot *snap, int64_t elapsed_ms,
                          struct strbuf *out);

/* Append the one-line live progress, without a newline, to out:
 *   "412/1000 rows (41.2%), 9.8 rows/s, 400 created, 10 failed, 2 retrying, eta 1m00s"
 * total_rows 0 means unknown ("412 rows", no percent, no eta). The eta is
 * "-" until a row is done. */
void stats_format_progress(const struct stats_snapshot *snap, uint64_t total_rows,
                           int64_t elapsed_ms, struct strbuf *out);

/* Append a duration: "850ms", "12.3s", "4m05s", "1h02m03s". */
void stats_format_duration(struct strbuf *out, int64_t ms);

#endif
