/* clock.h -- the one module that reads the clock or sleeps.
 *
 * Everything else (rate limiter, retry policy, stats) takes "now" as an
 * argument, so its tests are exact and never sleep; only the worker loop and
 * main.c call into here. Monotonic times are for intervals and deadlines;
 * the wall clock is only for what the world sees (request Timestamp, file
 * names, messages).
 *
 * Thread-safety: every function is thread-safe (no state).
 */
#ifndef CBN_CLOCK_H
#define CBN_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds on CLOCK_MONOTONIC since an arbitrary origin (boot). Never
 * steps backwards within one process; meaningless across processes. */
int64_t clock_now_ms(void);

/* Microseconds on the same clock as clock_now_ms (for latency). */
int64_t clock_now_us(void);

/* Wall-clock seconds since the epoch (UTC), as time(NULL). */
time_t clock_wall(void);

/* Sleep at least ms milliseconds (ms <= 0 returns at once), resuming after
 * a signal interrupts it. A caller that must wake early on cancellation
 * (Ctrl-C, batch-fatal error) should wait on its own condition variable
 * with a deadline instead, or sleep in short slices and check its flag:
 * a signal is delivered to one arbitrary thread, so EINTR is no reliable
 * wake-up in a threaded program. */
void clock_sleep_ms(int64_t ms);

#endif
