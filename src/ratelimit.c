/* ratelimit.c -- a booking token bucket in integer units, with AIMD rate control. */
#include "ratelimit.h"

#include "cbn_error.h"

#include <math.h>
#include <string.h>

int ratelimit_init(struct ratelimit *rl, double rate_per_s, int burst)
{
  if (!(rate_per_s >= 0.001 && rate_per_s <= 1e6) || burst < 1 || burst > 1000000)
    return CBN_EINVAL;
  memset(rl, 0, sizeof(*rl));
  if (pthread_mutex_init(&rl->lock, NULL) != 0)
    return CBN_ENOMEM;
  rl->ceiling_mt_per_s = llround(rate_per_s * 1000.0);
  if (rl->ceiling_mt_per_s < 1)
    rl->ceiling_mt_per_s = 1;
  rl->burst_units = (int64_t)burst * RATELIMIT_UNIT;
  rl->floor_mt_per_s = rl->ceiling_mt_per_s < 100 ? rl->ceiling_mt_per_s : 100;
  rl->decrease_permille = 700;
  rl->cooldown_ms = 1000;
  rl->recover_permille = 50;
  rl->max_ahead_ms = 30000;
  rl->rate_mt_per_s = rl->ceiling_mt_per_s;
  rl->base_rate_mt_per_s = rl->ceiling_mt_per_s;
  return 0;
}

void ratelimit_release(struct ratelimit *rl)
{
  pthread_mutex_destroy(&rl->lock);
}

/* Let the bucket drain at the current rate from last_ms to now_ms. Under lock. */
static void drain(struct ratelimit *rl, int64_t now_ms)
{
  if (!rl->started) {
    rl->started = 1;
    rl->last_ms = now_ms;
    return;
  }
  if (now_ms <= rl->last_ms) {
    rl->last_ms = now_ms; /* a step backwards re-bases without draining */
    return;
  }
  int64_t dt_ms = now_ms - rl->last_ms;
  rl->last_ms = now_ms;
  /* rate micro-requests drain per ms; compare by division first so the
   * product cannot overflow after a long idle spell */
  if (dt_ms > rl->level_units / rl->rate_mt_per_s)
    rl->level_units = 0;
  else
    rl->level_units -= rl->rate_mt_per_s * dt_ms;
}

int64_t ratelimit_acquire(struct ratelimit *rl, int64_t now_ms, int *reserved)
{
  int64_t wait_ms = 0;
  pthread_mutex_lock(&rl->lock);
  drain(rl, now_ms);
  rl->level_units += RATELIMIT_UNIT;
  *reserved = 1;
  int64_t excess = rl->level_units - rl->burst_units;
  if (excess > 0) {
    wait_ms = (excess + rl->rate_mt_per_s - 1) / rl->rate_mt_per_s;
    if (wait_ms > rl->max_ahead_ms) {
      rl->level_units -= RATELIMIT_UNIT;
      *reserved = 0;
      wait_ms -= rl->max_ahead_ms;
    }
  }
  pthread_mutex_unlock(&rl->lock);
  return wait_ms;
}

int ratelimit_throttled(struct ratelimit *rl, int64_t now_ms)
{
  int cut = 0;
  pthread_mutex_lock(&rl->lock);
  drain(rl, now_ms);
  int may_cut = 1;
  if (rl->throttled_once && now_ms < rl->last_decrease_ms + rl->cooldown_ms) {
    may_cut = 0;
    if (now_ms < rl->last_decrease_ms)
      rl->last_decrease_ms = now_ms; /* clock stepped back: the window restarts here */
  }
  if (may_cut && rl->rate_mt_per_s > rl->floor_mt_per_s) {
    int64_t r = rl->rate_mt_per_s * rl->decrease_permille / 1000;
    rl->rate_mt_per_s = r > rl->floor_mt_per_s ? r : rl->floor_mt_per_s;
    rl->last_decrease_ms = now_ms;
    rl->decreases++;
    cut = 1;
  }
  rl->base_rate_mt_per_s = rl->rate_mt_per_s;
  rl->base_ms = now_ms;
  rl->throttled_once = 1;
  pthread_mutex_unlock(&rl->lock);
  return cut;
}

void ratelimit_success(struct ratelimit *rl, int64_t now_ms)
{
  pthread_mutex_lock(&rl->lock);
  if (!rl->throttled_once || rl->rate_mt_per_s >= rl->ceiling_mt_per_s || rl->recover_permille <= 0)
    goto out;
  if (now_ms < rl->base_ms) {
    /* clock stepped back: recovery continues from here at the current rate */
    rl->base_ms = now_ms;
    rl->base_rate_mt_per_s = rl->rate_mt_per_s;
    goto out;
  }
  drain(rl, now_ms);
  /* rate(t) = base + ceiling * permille/1000 * (t - base_ms)/1000, computed
   * from the origin each time so no rounding accumulates */
  int64_t per_s_scaled = rl->ceiling_mt_per_s * rl->recover_permille; /* mt/s per s, x1000 */
  int64_t need = rl->ceiling_mt_per_s - rl->base_rate_mt_per_s;
  int64_t full_ms = (need * 1000000 + per_s_scaled - 1) / per_s_scaled;
  int64_t dt_ms = now_ms - rl->base_ms;
  int64_t r = dt_ms >= full_ms ? rl->ceiling_mt_per_s
                               : rl->base_rate_mt_per_s + per_s_scaled * dt_ms / 1000000;
  if (r > rl->ceiling_mt_per_s)
    r = rl->ceiling_mt_per_s;
  if (r > rl->rate_mt_per_s)
    rl->rate_mt_per_s = r;
out:
  pthread_mutex_unlock(&rl->lock);
}

double ratelimit_rate(struct ratelimit *rl)
{
  pthread_mutex_lock(&rl->lock);
  int64_t r = rl->rate_mt_per_s;
  pthread_mutex_unlock(&rl->lock);
  return (double)r / 1000.0;
}

uint64_t ratelimit_decreases(struct ratelimit *rl)
{
  pthread_mutex_lock(&rl->lock);
  uint64_t n = rl->decreases;
  pthread_mutex_unlock(&rl->lock);
  return n;
}
