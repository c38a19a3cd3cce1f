/* check.h -- the unit suites' few assertions.
 *
 * Each CHECK prints the failing expression with file and line and counts the
 * failure; check_done() prints "N passed, N failed" and returns the exit
 * status (1 if anything failed), so CTest sees a failure as a failure.
 */
#ifndef CBN_CHECK_H
#define CBN_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed_, check_failed_;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (cond) {                                                              \
      check_passed_++;                                                       \
    } else {                                                                 \
      check_failed_++;                                                       \
      fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond);     \
    }                                                                        \
  } while (0)

#define CHECK_STR(got, want)                                                 \
  do {                                                                       \
    const char *g_ = (got), *w_ = (want);                                    \
    if (g_ && w_ && !strcmp(g_, w_)) {                                       \
      check_passed_++;                                                       \
    } else {                                                                 \
      check_failed_++;                                                       \
      fprintf(stderr, "%s:%d: FAILED: %s\n  got:  %s\n  want: %s\n",         \
              __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    }                                                                        \
  } while (0)

#define CHECK_INT(got, want)                                                 \
  do {                                                                       \
    long long g_ = (long long)(got), w_ = (long long)(want);                 \
    if (g_ == w_) {                                                          \
      check_passed_++;                                                       \
    } else {                                                                 \
      check_failed_++;                                                       \
      fprintf(stderr, "%s:%d: FAILED: %s == %lld, want %lld\n", __FILE__,    \
              __LINE__, #got, g_, w_);                                       \
    }                                                                        \
  } while (0)

static inline int check_done(void)
{
  printf("%d passed, %d failed\n", check_passed_, check_failed_);
  return check_failed_ ? 1 : 0;
}

#endif
