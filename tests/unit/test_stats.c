/* CBN_TEST_THREADS */
/* test_stats.c -- counters, the histogram's percentiles and the exact
 * progress and summary texts for given numbers; counters stay exact under
 * concurrent updates. */
#include "check.h"
#include "job.h"
#include "stats.h"
#include "strbuf.h"

#include <pthread.h>
#include <stdint.h>

static void test_buckets(void)
{
  CHECK_INT(stats_bucket_bound_us(0), 1000);
  CHECK_INT(stats_bucket_bound_us(38), 60000000);
  CHECK(stats_bucket_bound_us(39) == INT64_MAX);
  /* log spacing: every step is x1.2 to x1.5 */
  int ok = 1;
  for (int i = 1; i < STATS_NBUCKETS - 1; i++) {
    int64_t a = stats_bucket_bound_us(i - 1), b = stats_bucket_bound_us(i);
    if (b * 10 < a * 12 || b * 10 > a * 15)
      ok = 0;
  }
  CHECK(ok);
}

static void test_percentiles(void)
{
  struct stats s;
  struct stats_snapshot snap;
  CHECK_INT(stats_init(&s), 0);
  stats_snapshot(&s, &snap);
  CHECK_INT(stats_percentile_us(&snap, 0.5), -1);

  /* all samples equal: reported exactly, not as the bucket bound */
  for (int i = 0; i < 10; i++) {
    stats_attempt_begin(&s);
    stats_attempt_end(&s, 37000, 0);
  }
  stats_snapshot(&s, &snap);
  CHECK_INT(stats_percentile_us(&snap, 0.5), 37000);
  CHECK_INT(stats_percentile_us(&snap, 0.95), 37000);
  stats_release(&s);

  /* 100 samples: 1..100 ms. Nearest rank 50 is 50 ms, in bucket (40,50]:
   * bound 50 ms. Rank 95 is 95 ms, in (80,100]: bound 100 ms, the max. */
  CHECK_INT(stats_init(&s), 0);
  for (int i = 1; i <= 100; i++) {
    stats_attempt_begin(&s);
    stats_attempt_end(&s, (int64_t)i * 1000, 0);
  }
  stats_snapshot(&s, &snap);
  CHECK_INT(snap.latency_count, 100);
  CHECK_INT(snap.latency_min_us, 1000);
  CHECK_INT(snap.latency_max_us, 100000);
  CHECK_INT(stats_percentile_us(&snap, 0.5), 50000);
  CHECK_INT(stats_percentile_us(&snap, 0.95), 100000);
  CHECK_INT(stats_percentile_us(&snap, 0.41), 50000); /* 41 ms lies in (40,50] */
  CHECK_INT(stats_percentile_us(&snap, 0.40), 40000);
  CHECK_INT(stats_percentile_us(&snap, 0.01), 1000);
  CHECK_INT(stats_percentile_us(&snap, 1.0), 100000);
  stats_release(&s);

  /* under 1 ms, and beyond 60 s (the open bucket reports the max) */
  CHECK_INT(stats_init(&s), 0);
  stats_attempt_begin(&s);
  stats_attempt_end(&s, 250, 0);
  stats_attempt_begin(&s);
  stats_attempt_end(&s, 90000000, 1);
  stats_snapshot(&s, &snap);
  CHECK_INT(stats_percentile_us(&snap, 0.5), 1000); /* the bound of [0,1 ms] */
  CHECK_INT(stats_percentile_us(&snap, 1.0), 90000000);
  CHECK_INT(snap.throttled, 1);
  CHECK_INT(snap.in_flight, 0);
  stats_release(&s);

  /* resolution is one bucket: 120 ms samples under a 450 ms max report the
   * bound of (100,150] */
  CHECK_INT(stats_init(&s), 0);
  for (int i = 0; i < 3; i++) {
    stats_attempt_begin(&s);
    stats_attempt_end(&s, i < 2 ? 120000 : 450000, 0);
  }
  stats_snapshot(&s, &snap);
  CHECK_INT(stats_percentile_us(&snap, 0.5), 150000);
  CHECK_INT(stats_percentile_us(&snap, 0.95), 450000);
  stats_release(&s);
}

static void test_durations(void)
{
  struct strbuf sb = STRBUF_INIT;
  stats_format_duration(&sb, 850);
  strbuf_addch(&sb, ' ');
  stats_format_duration(&sb, 12345);
  strbuf_addch(&sb, ' ');
  stats_format_duration(&sb, 245000);
  strbuf_addch(&sb, ' ');
  stats_format_duration(&sb, 3723000);
  strbuf_addch(&sb, ' ');
  stats_format_duration(&sb, 59999);
  CHECK_STR(sb.buf, "850ms 12.3s 4m05s 1h02m03s 59.9s");
  strbuf_release(&sb);
}

static void fill(struct stats *s)
{
  for (int i = 0; i < 990; i++)
    stats_row_done(s, JOB_CREATED);
  for (int i = 0; i < 5; i++)
    stats_row_done(s, JOB_FAILED);
  for (int i = 0; i < 3; i++)
    stats_row_done(s, JOB_INVALID);
  for (int i = 0; i < 2; i++)
    stats_row_done(s, JOB_NOT_RUN);
  for (int i = 0; i < 1012; i++) {
    stats_attempt_begin(s);
    stats_attempt_end(s, i < 600 ? 100000 : 450000, i < 7);
  }
  for (int i = 0; i < 12; i++)
    stats_retry_begin(s);
  for (int i = 0; i < 10; i++)
    stats_retry_end(s);
}

static void test_summary(void)
{
  struct stats s;
  struct stats_snapshot snap;
  struct strbuf sb = STRBUF_INIT;
  CHECK_INT(stats_init(&s), 0);
  stats_snapshot(&s, &snap);
  stats_format_summary(&snap, 0, &sb);
  CHECK_STR(sb.buf, "0 rows in 0ms (0.0 rows/s): 0 created, 0 failed\n"
                    "0 requests, 0 retries, 0 throttled\n");
  strbuf_reset(&sb);
  fill(&s);
  stats_snapshot(&s, &snap);
  CHECK_INT(stats_rows_done(&snap), 1000);
  CHECK_INT(snap.retrying, 2);
  stats_format_summary(&snap, 100000, &sb);
  CHECK_STR(sb.buf, "1000 rows in 1m40s (10.0 rows/s): 990 created, 5 failed, 3 invalid, "
                    "2 not-run\n"
                    "1012 requests, 12 retries, 7 throttled; latency p50 100 ms, p95 450 ms\n");
  strbuf_release(&sb);
  stats_release(&s);
}

static void test_progress(void)
{
  struct stats s;
  struct stats_snapshot snap;
  struct strbuf sb = STRBUF_INIT;
  CHECK_INT(stats_init(&s), 0);
  stats_snapshot(&s, &snap);
  stats_format_progress(&snap, 1000, 0, &sb);
  CHECK_STR(sb.buf, "0/1000 rows (0.0%), 0.0 rows/s, 0 created, 0 failed, 0 retrying, eta -");
  for (int i = 0; i < 400; i++)
    stats_row_done(&s, JOB_CREATED);
  for (int i = 0; i < 10; i++)
    stats_row_done(&s, JOB_FAILED);
  stats_row_done(&s, JOB_INVALID);
  stats_row_done(&s, JOB_INVALID);
  stats_retry_begin(&s);
  stats_retry_begin(&s);
  stats_snapshot(&s, &snap);
  strbuf_reset(&sb);
  /* 412 rows in 41.2 s: 10 rows/s, 588 left: 58.8 s */
  stats_format_progress(&snap, 1000, 41200, &sb);
  CHECK_STR(sb.buf, "412/1000 rows (41.2%), 10.0 rows/s, 400 created, 10 failed, 2 retrying, "
                    "eta 58.8s");
  strbuf_reset(&sb);
  stats_format_progress(&snap, 0, 41200, &sb);
  CHECK_STR(sb.buf, "412 rows, 10.0 rows/s, 400 created, 10 failed, 2 retrying");
  strbuf_reset(&sb);
  stats_format_progress(&snap, 412, 41200, &sb);
  CHECK_STR(sb.buf, "412/412 rows (100.0%), 10.0 rows/s, 400 created, 10 failed, 2 retrying, "
                    "eta 0ms");
  strbuf_release(&sb);
  stats_release(&s);
}

enum { THREADS = 4, PER_THREAD = 5000 };
static struct stats shared;

static void *bump(void *arg)
{
  (void)arg;
  for (int i = 0; i < PER_THREAD; i++) {
    stats_attempt_begin(&shared);
    stats_attempt_end(&shared, 5000, i % 2);
    stats_row_done(&shared, JOB_CREATED);
  }
  return NULL;
}

static void test_threads(void)
{
  CHECK_INT(stats_init(&shared), 0);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++)
    pthread_create(&t[i], NULL, bump, NULL);
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  struct stats_snapshot snap;
  stats_snapshot(&shared, &snap);
  CHECK_INT(snap.attempts, THREADS * PER_THREAD);
  CHECK_INT(snap.rows[JOB_CREATED], THREADS * PER_THREAD);
  CHECK_INT(snap.throttled, THREADS * PER_THREAD / 2);
  CHECK_INT(snap.in_flight, 0);
  CHECK_INT(snap.latency_count, THREADS * PER_THREAD);
  stats_release(&shared);
}

int main(void)
{
  test_buckets();
  test_percentiles();
  test_durations();
  test_summary();
  test_progress();
  test_threads();
  return check_done();
}
