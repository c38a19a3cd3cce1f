/* ratelimit.h -- the shared, adaptive token bucket every request passes.
 *
 * The model (nginx limit_req, curl lib/ratelimit.c): a bucket of capacity
 * `burst` requests fills at `rate` requests per second. Amounts are kept as
 * integers: the rate in milli-requests per second (1000 = one request per
 * second, so 0.5/s is 500 and 500/s is 500000), the bucket level in
 * micro-requests (1,000,000 = one request). A rate of r milli-requests per
 * second drains exactly r micro-requests per millisecond, so no fraction is
 * ever lost to rounding, whatever the rate.
 *
 * Reservation, not polling: ratelimit_acquire() always books the next free
 * send slot and says how long to sleep until it (the GCRA / "virtual
 * scheduling" view of the bucket: the level may rise above `burst`, the
 * excess being slots already promised to sleeping callers). Callers are
 * therefore served in the order they asked, nobody spins, and sends never
 * exceed the rate. The booking horizon is capped at max_ahead_ms: past it
 * nothing is booked and the caller is told when to ask again, so a pool
 * whose rate has collapsed does not commit minutes of future slots.
 *
 * Adaptive (AIMD): ratelimit_throttled() multiplies the current rate by
 * decrease_permille/1000 (not below floor_mt_per_s), at most once per
 * cooldown_ms, so a volley of Throttling answers provoked by one burst counts
 * once. ratelimit_success() lets the rate climb back linearly, by
 * recover_permille/1000 of the ceiling per second since the last throttling
 * answer, up to the configured ceiling. Any throttling answer, counted or
 * not, restarts that recovery clock.
 *
 * Time is an input: every function takes now_ms from the caller (normally
 * clock_now_ms()); nothing here reads the clock or sleeps, so tests are
 * exact. A clock that steps backwards is tolerated: the step drains nothing
 * and the bucket re-bases on the new time, so it never freezes and at worst
 * refills for the same interval twice (bounded by one burst).
 *
 * Thread-safety: all functions but init/release take the bucket's own mutex
 * and may be called from any thread. Nothing slow runs under it. The tuning
 * fields may be changed after ratelimit_init and before the first call from a
 * second thread.
 */
#ifndef CBN_RATELIMIT_H
#define CBN_RATELIMIT_H

#include <pthread.h>
#include <stdint.h>

/* One request in the bucket's level units. */
#define RATELIMIT_UNIT 1000000

struct ratelimit {
  pthread_mutex_t lock;
  /* configuration (read-only after init, tuning fields excepted) */
  int64_t ceiling_mt_per_s; /* configured rate, milli-requests/s, >= 1 */
  int64_t burst_units;      /* bucket capacity, burst * RATELIMIT_UNIT */
  /* tuning, set to the defaults by ratelimit_init */
  int64_t floor_mt_per_s; /* never cut below (default 100 = 0.1/s, or the ceiling) */
  int decrease_permille;  /* on throttling, rate *= this / 1000 (default 700) */
  int64_t cooldown_ms;    /* at most one decrease per this many ms (default 1000) */
  int recover_permille;   /* per quiet second, rate += ceiling * this/1000 (default 50) */
  int64_t max_ahead_ms;   /* do not book a slot further ahead than this (default 30000) */
  /* state, under lock */
  int64_t rate_mt_per_s;      /* current rate, floor..ceiling */
  int64_t level_units;        /* bucket level incl. booked slots, >= 0 */
  int64_t last_ms;            /* time the level was last drained to */
  int64_t base_rate_mt_per_s; /* rate right after the last throttling answer */
  int64_t base_ms;            /* time of the last throttling answer (recovery origin) */
  int64_t last_decrease_ms;   /* time of the last counted decrease */
  int throttled_once;         /* base_ms and last_decrease_ms are meaningful */
  int started;                /* last_ms is meaningful */
  uint64_t decreases;         /* counted decreases, for stats */
};

/* Set up rl for rate_per_s requests per second (decimal allowed, 0.001 to
 * 1,000,000) and a bucket of burst requests (1 to 1,000,000), full at the
 * first call (the first `burst` requests go at once). Tuning fields get
 * their defaults. Returns 0, or CBN_EINVAL for a value out of range (rl is
 * then unusable and needs no release). */
int ratelimit_init(struct ratelimit *rl, double rate_per_s, int burst);

/* Destroy the mutex. Not while another thread may use rl. */
void ratelimit_release(struct ratelimit *rl);

/* Book the next send slot at time now_ms. On success sets *reserved = 1 and
 * returns the milliseconds until the slot (0 = send now); the caller sleeps
 * that long and sends, without calling again. If the slot would lie more
 * than max_ahead_ms ahead, books nothing, sets *reserved = 0 and returns the
 * milliseconds (>= 1) after which to ask again. */
int64_t ratelimit_acquire(struct ratelimit *rl, int64_t now_ms, int *reserved);

/* The API answered Throttling at now_ms: cut the rate (see the overview) and
 * restart the recovery clock. Returns 1 if this answer cut the rate, 0 if it
 * fell within the cooldown of an earlier cut or the rate is at its floor. */
int ratelimit_throttled(struct ratelimit *rl, int64_t now_ms);

/* A request succeeded at now_ms: raise the rate toward the ceiling by the
 * recovery law. Cheap; call it after every success. */
void ratelimit_success(struct ratelimit *rl, int64_t now_ms);

/* The current rate in requests per second (for progress and stats). */
double ratelimit_rate(struct ratelimit *rl);

/* How many times a throttling answer has cut the rate so far. */
uint64_t ratelimit_decreases(struct ratelimit *rl);

#endif
