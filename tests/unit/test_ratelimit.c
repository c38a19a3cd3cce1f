/* CBN_TEST_THREADS */
/* test_ratelimit.c -- the booking bucket gives exact waits for fed times:
 * burst, decimal rates, accuracy over 10,000 simulated requests, a clock
 * stepping backwards, the booking horizon, AIMD decrease and recovery, and
 * distinct slots under concurrent callers. Nothing here sleeps. */
#include "cbn_error.h"
#include "check.h"
#include "ratelimit.h"

#include <pthread.h>
#include <stdlib.h>

static int64_t ask(struct ratelimit *rl, int64_t now_ms)
{
  int reserved = -1;
  int64_t w = ratelimit_acquire(rl, now_ms, &reserved);
  CHECK_INT(reserved, 1);
  return w;
}

static void test_init_rejects(void)
{
  struct ratelimit rl;
  CHECK_INT(ratelimit_init(&rl, 0.0, 1), CBN_EINVAL);
  CHECK_INT(ratelimit_init(&rl, -1.0, 1), CBN_EINVAL);
  CHECK_INT(ratelimit_init(&rl, 10.0, 0), CBN_EINVAL);
  CHECK_INT(ratelimit_init(&rl, 2e6, 1), CBN_EINVAL);
  CHECK_INT(ratelimit_init(&rl, 0.5, 1), 0);
  CHECK(ratelimit_rate(&rl) == 0.5);
  ratelimit_release(&rl);
}

/* 10/s, burst 3: three go at once, then one every 100 ms, booked in order. */
static void test_burst_then_spacing(void)
{
  struct ratelimit rl;
  CHECK_INT(ratelimit_init(&rl, 10.0, 3), 0);
  CHECK_INT(ask(&rl, 0), 0);
  CHECK_INT(ask(&rl, 0), 0);
  CHECK_INT(ask(&rl, 0), 0);
  CHECK_INT(ask(&rl, 0), 100);
  CHECK_INT(ask(&rl, 0), 200);
  /* at 100 ms one slot has drained: the next free slot is 300 ms */
  CHECK_INT(ask(&rl, 100), 200);
  /* after a long idle spell the bucket is full again, not "more than full" */
  CHECK_INT(ask(&rl, 100000), 0);
  CHECK_INT(ask(&rl, 100000), 0);
  CHECK_INT(ask(&rl, 100000), 0);
  CHECK_INT(ask(&rl, 100000), 100);
  ratelimit_release(&rl);
}

/* 0.5/s: one request every 2 s, fractions of a request kept exactly. */
static void test_decimal_rate(void)
{
  struct ratelimit rl;
  CHECK_INT(ratelimit_init(&rl, 0.5, 1), 0);
  CHECK_INT(ask(&rl, 0), 0);
  CHECK_INT(ask(&rl, 0), 2000);
  CHECK_INT(ask(&rl, 500), 3500);  /* slot at 4000 */
  CHECK_INT(ask(&rl, 4001), 1999); /* slot at 6000 */
  ratelimit_release(&rl);
  /* 3/s does not divide 1000 ms: waits round up, never down */
  CHECK_INT(ratelimit_init(&rl, 3.0, 1), 0);
  CHECK_INT(ask(&rl, 0), 0);
  CHECK_INT(ask(&rl, 0), 334);
  CHECK_INT(ask(&rl, 0), 667);
  CHECK_INT(ask(&rl, 0), 1000);
  ratelimit_release(&rl);
}

static int cmp_i64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* 32 simulated workers, 37 ms per request, 10,000 requests at 500/s burst 8:
 * the achieved rate is within 0.5% of 500/s, no 1-second window holds more
 * than rate + burst sends, and slots are handed out in the order asked. */
static void test_accuracy_10000_at_500(void)
{
  enum { N = 10000, WORKERS = 32, BURST = 8, LATENCY_MS = 37 };
  struct ratelimit rl;
  CHECK_INT(ratelimit_init(&rl, 500.0, BURST), 0);
  int64_t next_ask[WORKERS] = {0};
  int64_t *sends = malloc(N * sizeof(*sends));
  int in_order = 1;
  for (int i = 0; i < N; i++) {
    int w = 0;
    for (int k = 1; k < WORKERS; k++)
      if (next_ask[k] < next_ask[w])
        w = k;
    int64_t now = next_ask[w];
    sends[i] = now + ask(&rl, now);
    if (i > 0 && sends[i] < sends[i - 1])
      in_order = 0;
    next_ask[w] = sends[i] + LATENCY_MS;
  }
  CHECK(in_order);
  double elapsed_s = (double)(sends[N - 1] - sends[0]) / 1000.0;
  double rate = (double)(N - BURST) / elapsed_s;
  CHECK(rate >= 500.0 * 0.995 && rate <= 500.0 * 1.005);
  qsort(sends, N, sizeof(*sends), cmp_i64);
  int max_window = 0;
  for (int i = 0, j = 0; i < N; i++) {
    while (j < N && sends[j] < sends[i] + 1000)
      j++;
    if (j - i > max_window)
      max_window = j - i;
  }
  CHECK(max_window <= 500 + BURST);
  CHECK(max_window >= 500);
  free(sends);
  ratelimit_release(&rl);
}

/* A clock stepping backwards neither freezes the bucket nor hands out more
 * than one extra burst. */
static void test_backwards_clock(void)
{
  struct ratelimit rl;
  CHECK_INT(ratelimit_init(&rl, 10.0, 1), 0);
  CHECK_INT(ask(&rl, 1000), 0);
  CHECK_INT(ask(&rl, 500), 100);      /* no drain across the step, slot 100 ms on */
  CHECK_INT(ask(&rl, 600), 100);      /* 100 ms later one slot drained: normal again */
  CHECK_INT(ask(&rl, -5000000), 200); /* a huge step back: still just the queue */
  CHECK_INT(ask(&rl, -4999000), 0);   /* and one second later it has drained */
  ratelimit_release(&rl);
}

/* Past max_ahead_ms nothing is booked; the caller learns when to ask again. */
static void test_horizon(void)
{
  struct ratelimit rl;
  CHECK_INT(ratelimit_init(&rl, 1.0, 1), 0);
  rl.max_ahead_ms = 3000;
  CHECK_INT(ask(&rl, 0), 0);
  CHECK_INT(ask(&rl, 0), 1000);
  CHECK_INT(ask(&rl, 0), 2000);
  CHECK_INT(ask(&rl, 0), 3000);
  int reserved = -1;
  CHECK_INT(ratelimit_acquire(&rl, 0, &reserved), 1000);
  CHECK_INT(reserved, 0);
  CHECK_INT(ratelimit_acquire(&rl, 0, &reserved), 1000); /* nothing was booked */
  CHECK_INT(reserved, 0);
  CHECK_INT(ask(&rl, 1000), 3000); /* within the horizon again: slot at 4000 */
  ratelimit_release(&rl);
}

/* Throttling cuts 30% at most once per second; success recovers 5% of the
 * ceiling per second since the last throttling answer. */
static void test_decrease_and_recovery(void)
{
  struct ratelimit rl;
  CHECK_INT(ratelimit_init(&rl, 10.0, 1), 0);
  ratelimit_success(&rl, 500); /* at the ceiling: no change */
  CHECK(ratelimit_rate(&rl) == 10.0);
  CHECK_INT(ratelimit_throttled(&rl, 1000), 1);
  CHECK(ratelimit_rate(&rl) == 7.0);
  CHECK_INT(ratelimit_throttled(&rl, 1500), 0); /* same window */
  CHECK(ratelimit_rate(&rl) == 7.0);
  CHECK_INT(ratelimit_throttled(&rl, 2000), 1);
  CHECK(ratelimit_rate(&rl) == 4.9);
  CHECK_INT(ratelimit_decreases(&rl), 2);
  ratelimit_success(&rl, 3000);
  CHECK(ratelimit_rate(&rl) == 5.4);
  ratelimit_success(&rl, 2500); /* clock stepped back: never a drop */
  CHECK(ratelimit_rate(&rl) == 5.4);
  ratelimit_success(&rl, 3500); /* still measured from the throttle at 2000 */
  CHECK(ratelimit_rate(&rl) == 5.65);
  ratelimit_success(&rl, 10200);
  CHECK(ratelimit_rate(&rl) == 9.0);
  ratelimit_success(&rl, 1000000);
  CHECK(ratelimit_rate(&rl) == 10.0);
  /* an ignored throttle still restarts the recovery clock */
  CHECK_INT(ratelimit_throttled(&rl, 2000000), 1);
  CHECK_INT(ratelimit_throttled(&rl, 2000900), 0);
  ratelimit_success(&rl, 2001900);
  CHECK(ratelimit_rate(&rl) == 7.5);
  ratelimit_release(&rl);

  /* the floor: 0.2/s -> 0.14 -> 0.1 (not 0.098) -> stays */
  CHECK_INT(ratelimit_init(&rl, 0.2, 1), 0);
  CHECK_INT(ratelimit_throttled(&rl, 0), 1);
  CHECK(ratelimit_rate(&rl) == 0.14);
  CHECK_INT(ratelimit_throttled(&rl, 1000), 1);
  CHECK(ratelimit_rate(&rl) == 0.1);
  CHECK_INT(ratelimit_throttled(&rl, 2000), 0);
  CHECK(ratelimit_rate(&rl) == 0.1);
  ratelimit_release(&rl);
}

/* A cut applies to slots booked after it: 10/s cut to 7/s spaces 143 ms. */
static void test_cut_changes_spacing(void)
{
  struct ratelimit rl;
  CHECK_INT(ratelimit_init(&rl, 10.0, 1), 0);
  CHECK_INT(ask(&rl, 0), 0);
  CHECK_INT(ratelimit_throttled(&rl, 0), 1);
  CHECK_INT(ask(&rl, 0), 143);
  CHECK_INT(ask(&rl, 0), 286);
  ratelimit_release(&rl);
}

enum { THREADS = 4, PER_THREAD = 1000 };
static struct ratelimit shared_rl;
static int64_t waits[THREADS][PER_THREAD];

static void *hammer(void *arg)
{
  int64_t *out = arg;
  for (int i = 0; i < PER_THREAD; i++) {
    int reserved;
    out[i] = ratelimit_acquire(&shared_rl, 0, &reserved);
    if (!reserved)
      out[i] = -1;
  }
  return NULL;
}

/* Concurrent callers at the same instant get every slot exactly once. */
static void test_threads_get_distinct_slots(void)
{
  CHECK_INT(ratelimit_init(&shared_rl, 1000.0, 1), 0);
  shared_rl.max_ahead_ms = 1000000;
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++)
    pthread_create(&t[i], NULL, hammer, waits[i]);
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  int64_t *all = &waits[0][0];
  qsort(all, THREADS * PER_THREAD, sizeof(*all), cmp_i64);
  int exact = 1;
  for (int i = 0; i < THREADS * PER_THREAD; i++)
    if (all[i] != i)
      exact = 0;
  CHECK(exact);
  ratelimit_release(&shared_rl);
}

int main(void)
{
  test_init_rejects();
  test_burst_then_spacing();
  test_decimal_rate();
  test_accuracy_10000_at_500();
  test_backwards_clock();
  test_horizon();
  test_decrease_and_recovery();
  test_cut_changes_spacing();
  test_threads_get_distinct_slots();
  return check_done();
}
