/* test_dupset.c -- first-occurrence lines, growth, and the 16-bytes-a-row budget. */
#include "check.h"
#include "dupset.h"

#include <stdint.h>

/* splitmix64: well-spread digests, as SHA-256 prefixes are. */
static uint64_t mix(uint64_t x)
{
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

int main(void)
{
  struct dupset s = DUPSET_INIT;
  CHECK_INT(dupset_find(&s, 42), 0);
  CHECK_INT(dupset_insert(&s, 42, 2), 0);
  CHECK_INT(dupset_insert(&s, 43, 3), 0);
  CHECK_INT(dupset_insert(&s, 42, 7), 2);
  CHECK_INT(dupset_find(&s, 42), 2);
  CHECK_INT(dupset_find(&s, 44), 0);
  /* Extreme digests: 0 and all ones (homes at both ends of the table). */
  CHECK_INT(dupset_insert(&s, 0, 8), 0);
  CHECK_INT(dupset_insert(&s, UINT64_MAX, 9), 0);
  CHECK_INT(dupset_insert(&s, 0, 10), 8);
  CHECK_INT(dupset_insert(&s, UINT64_MAX, 11), 9);
  /* Digests with the same high bits all want the same home slot. */
  for (uint64_t i = 0; i < 100; i++)
    CHECK_INT(dupset_insert(&s, (UINT64_C(0xFFFFFFFF) << 32) | (i + 1), 100 + i), 0);
  CHECK_INT(dupset_find(&s, (UINT64_C(0xFFFFFFFF) << 32) | 50), 149);
  CHECK_INT(s.count, 104);

  dupset_clear(&s);
  CHECK_INT(dupset_find(&s, 42), 0);
  CHECK_INT(dupset_insert(&s, 42, 5), 0);
  dupset_release(&s);

  /* A million rows: every first insert is new, every second a duplicate
   * naming the first line, and the table stays within 16 bytes a row at
   * every size along the way. */
  const size_t n = 1000000;
  int ok_new = 1, ok_dup = 1, ok_budget = 1;
  for (size_t i = 0; i < n; i++) {
    if (dupset_insert(&s, mix(i), i + 2) != 0)
      ok_new = 0;
    if (i >= 2000 && dupset_bytes(&s) > 16 * (i + 1))
      ok_budget = 0;
  }
  for (size_t i = 0; i < n; i += 7)
    if (dupset_insert(&s, mix(i), n + i) != i + 2)
      ok_dup = 0;
  CHECK(ok_new);
  CHECK(ok_dup);
  CHECK(ok_budget);
  CHECK_INT(s.count, n);
  CHECK(dupset_find(&s, mix(n + 1)) == 0);
  /* Huge lines saturate rather than wrap. */
  CHECK_INT(dupset_insert(&s, 7, (size_t)UINT32_MAX + 5), 0);
  CHECK_INT(dupset_find(&s, 7), UINT32_MAX);
  dupset_release(&s);
  return check_done();
}
