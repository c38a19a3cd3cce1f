/* clock.c -- monotonic and wall time, and the project's only sleep. */
#include "clock.h"

#include <errno.h>

static int64_t mono_ns(void)
{
  struct timespec ts;
  /* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clock_now_ms(void)
{
  return mono_ns() / 1000000;
}

int64_t clock_now_us(void)
{
  return mono_ns() / 1000;
}

time_t clock_wall(void)
{
  return time(NULL);
}

void clock_sleep_ms(int64_t ms)
{
  if (ms <= 0)
    return;
  struct timespec req = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
  struct timespec rem;
  while (nanosleep(&req, &rem) != 0 && errno == EINTR)
    req = rem;
}
