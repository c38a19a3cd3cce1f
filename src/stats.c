/* stats.c -- run counters, a fixed latency histogram, and the progress and summary texts. */
#include "stats.h"

#include "cbn_error.h"

#include <string.h>

/* Upper bounds in microseconds: 1-1.5-2-3-4-5-6-8 per decade, 1 ms to 60 s. */
static const int64_t bounds_us[STATS_NBUCKETS - 1] = {
    1000,    1500,    2000,     3000,     4000,     5000,     6000,     8000,     10000,    15000,
    20000,   30000,   40000,    50000,    60000,    80000,    100000,   150000,   200000,   300000,
    400000,  500000,  600000,   800000,   1000000,  1500000,  2000000,  3000000,  4000000,  5000000,
    6000000, 8000000, 10000000, 15000000, 20000000, 30000000, 40000000, 50000000, 60000000,
};

int64_t stats_bucket_bound_us(int i)
{
  if (i < 0)
    return 0;
  return i < STATS_NBUCKETS - 1 ? bounds_us[i] : INT64_MAX;
}

static int bucket_of(int64_t us)
{
  int lo = 0, hi = STATS_NBUCKETS - 1; /* first bound >= us, or the open bucket */
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (bounds_us[mid] >= us)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

int stats_init(struct stats *s)
{
  memset(s, 0, sizeof(*s));
  return pthread_mutex_init(&s->lock, NULL) == 0 ? 0 : CBN_ENOMEM;
}

void stats_release(struct stats *s)
{
  pthread_mutex_destroy(&s->lock);
}

void stats_row_done(struct stats *s, enum job_status status)
{
  if ((unsigned)status >= STATS_NSTATUS)
    return;
  pthread_mutex_lock(&s->lock);
  s->c.rows[status]++;
  pthread_mutex_unlock(&s->lock);
}

void stats_attempt_begin(struct stats *s)
{
  pthread_mutex_lock(&s->lock);
  s->c.attempts++;
  s->c.in_flight++;
  pthread_mutex_unlock(&s->lock);
}

void stats_attempt_end(struct stats *s, int64_t latency_us, int throttled)
{
  if (latency_us < 0)
    latency_us = 0;
  int b = bucket_of(latency_us);
  pthread_mutex_lock(&s->lock);
  s->c.in_flight--;
  if (throttled)
    s->c.throttled++;
  s->c.latency[b]++;
  if (s->c.latency_count == 0 || latency_us < s->c.latency_min_us)
    s->c.latency_min_us = latency_us;
  if (latency_us > s->c.latency_max_us)
    s->c.latency_max_us = latency_us;
  s->c.latency_count++;
  pthread_mutex_unlock(&s->lock);
}

void stats_retry_begin(struct stats *s)
{
  pthread_mutex_lock(&s->lock);
  s->c.retries++;
  s->c.retrying++;
  pthread_mutex_unlock(&s->lock);
}

void stats_retry_end(struct stats *s)
{
  pthread_mutex_lock(&s->lock);
  s->c.retrying--;
  pthread_mutex_unlock(&s->lock);
}

void stats_snapshot(struct stats *s, struct stats_snapshot *out)
{
  pthread_mutex_lock(&s->lock);
  *out = s->c;
  pthread_mutex_unlock(&s->lock);
}

int64_t stats_percentile_us(const struct stats_snapshot *snap, double q)
{
  uint64_t n = snap->latency_count;
  if (n == 0)
    return -1;
  /* nearest rank: the smallest sample with at least q*n samples <= it */
  double r = q * (double)n;
  uint64_t rank = (uint64_t)r;
  if ((double)rank < r)
    rank++;
  if (rank < 1)
    rank = 1;
  if (rank > n)
    rank = n;
  uint64_t seen = 0;
  int b = 0;
  for (; b < STATS_NBUCKETS - 1; b++) {
    seen += snap->latency[b];
    if (seen >= rank)
      break;
  }
  int64_t v = stats_bucket_bound_us(b);
  if (v > snap->latency_max_us)
    v = snap->latency_max_us;
  if (v < snap->latency_min_us)
    v = snap->latency_min_us;
  return v;
}

uint64_t stats_rows_done(const struct stats_snapshot *snap)
{
  uint64_t n = 0;
  for (int i = 0; i < STATS_NSTATUS; i++)
    n += snap->rows[i];
  return n;
}

void stats_format_duration(struct strbuf *out, int64_t ms)
{
  if (ms < 0)
    ms = 0;
  if (ms < 1000) {
    strbuf_addf(out, "%lldms", (long long)ms);
    return;
  }
  if (ms < 60000) {
    strbuf_addf(out, "%lld.%llds", (long long)(ms / 1000), (long long)(ms % 1000 / 100));
    return;
  }
  long long s = ms / 1000;
  if (s < 3600)
    strbuf_addf(out, "%lldm%02llds", s / 60, s % 60);
  else
    strbuf_addf(out, "%lldh%02lldm%02llds", s / 3600, s / 60 % 60, s % 60);
}

static double per_second(uint64_t n, int64_t elapsed_ms)
{
  return elapsed_ms > 0 ? (double)n * 1000.0 / (double)elapsed_ms : 0.0;
}

static void add_ms(struct strbuf *out, int64_t us)
{
  strbuf_addf(out, "%lld ms", (long long)((us + 500) / 1000));
}

void stats_format_summary(const struct stats_snapshot *snap, int64_t elapsed_ms, struct strbuf *out)
{
  uint64_t rows = stats_rows_done(snap);
  strbuf_addf(out, "%llu rows in ", (unsigned long long)rows);
  stats_format_duration(out, elapsed_ms);
  strbuf_addf(out, " (%.1f rows/s): %llu created, %llu failed", per_second(rows, elapsed_ms),
              (unsigned long long)snap->rows[JOB_CREATED],
              (unsigned long long)snap->rows[JOB_FAILED]);
  static const enum job_status others[] = {JOB_INVALID, JOB_NOT_RUN, JOB_DRY_RUN};
  for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
    if (snap->rows[others[i]])
      strbuf_addf(out, ", %llu %s", (unsigned long long)snap->rows[others[i]],
                  job_status_name(others[i]));
  strbuf_addf(out, "\n%llu requests, %llu retries, %llu throttled",
              (unsigned long long)snap->attempts, (unsigned long long)snap->retries,
              (unsigned long long)snap->throttled);
  if (snap->latency_count) {
    strbuf_addstr(out, "; latency p50 ");
    add_ms(out, stats_percentile_us(snap, 0.5));
    strbuf_addstr(out, ", p95 ");
    add_ms(out, stats_percentile_us(snap, 0.95));
  }
  strbuf_addch(out, '\n');
}

void stats_format_progress(const struct stats_snapshot *snap, uint64_t total_rows,
                           int64_t elapsed_ms, struct strbuf *out)
{
  uint64_t done = stats_rows_done(snap);
  if (total_rows)
    strbuf_addf(out, "%llu/%llu rows (%.1f%%)", (unsigned long long)done,
                (unsigned long long)total_rows, 100.0 * (double)done / (double)total_rows);
  else
    strbuf_addf(out, "%llu rows", (unsigned long long)done);
  strbuf_addf(out, ", %.1f rows/s, %llu created, %llu failed, %lld retrying",
              per_second(done, elapsed_ms), (unsigned long long)snap->rows[JOB_CREATED],
              (unsigned long long)snap->rows[JOB_FAILED], (long long)snap->retrying);
  if (!total_rows)
    return;
  strbuf_addstr(out, ", eta ");
  if (done == 0 || elapsed_ms <= 0) {
    strbuf_addch(out, '-');
    return;
  }
  uint64_t left = done < total_rows ? total_rows - done : 0;
  stats_format_duration(out, (int64_t)((double)left * (double)elapsed_ms / (double)done));
}
