/* dupset.c -- Robin Hood set of request digests with first-occurrence lines. */
#include "dupset.h"

#include "cbn_error.h"

#include <stdlib.h>
#include <string.h>

#define DUPSET_MIN_CAPACITY 1024
/* Grow when the load would pass 95/100; grow by 5/4. */
#define DUPSET_LOAD_NUM 95
#define DUPSET_LOAD_DEN 100

static size_t home_of(uint64_t digest, size_t capacity)
{
  return (size_t)(((digest >> 32) * (uint64_t)capacity) >> 32);
}

/* How far the entry in slot pos sits from its home slot. */
static size_t distance_of(const struct dupset *s, size_t pos)
{
  size_t home = home_of(s->digests[pos], s->capacity);
  return pos >= home ? pos - home : pos + s->capacity - home;
}

void dupset_init(struct dupset *s)
{
  s->digests = NULL;
  s->lines = NULL;
  s->capacity = 0;
  s->count = 0;
}

void dupset_release(struct dupset *s)
{
  free(s->digests);
  free(s->lines);
  dupset_init(s);
}

void dupset_clear(struct dupset *s)
{
  if (s->lines)
    memset(s->lines, 0, s->capacity * sizeof(*s->lines));
  s->count = 0;
}

size_t dupset_find(const struct dupset *s, uint64_t digest)
{
  if (!s->count)
    return 0;
  size_t pos = home_of(digest, s->capacity);
  for (size_t dist = 0;; dist++) {
    if (!s->lines[pos])
      return 0;
    if (s->digests[pos] == digest)
      return s->lines[pos];
    /* Robin Hood invariant: digest would sit before any entry closer to home. */
    if (distance_of(s, pos) < dist)
      return 0;
    if (++pos == s->capacity)
      pos = 0;
  }
}

/* Place a digest known to be absent; the table has a free slot. */
static void place(struct dupset *s, uint64_t digest, uint32_t line)
{
  size_t pos = home_of(digest, s->capacity);
  size_t dist = 0;
  for (;;) {
    if (!s->lines[pos]) {
      s->digests[pos] = digest;
      s->lines[pos] = line;
      s->count++;
      return;
    }
    size_t theirs = distance_of(s, pos);
    if (theirs < dist) {
      uint64_t d = s->digests[pos];
      uint32_t l = s->lines[pos];
      s->digests[pos] = digest;
      s->lines[pos] = line;
      digest = d;
      line = l;
      dist = theirs;
    }
    if (++pos == s->capacity)
      pos = 0;
    dist++;
  }
}

static void grow(struct dupset *s)
{
  size_t old_capacity = s->capacity;
  uint64_t *old_digests = s->digests;
  uint32_t *old_lines = s->lines;
  size_t capacity = old_capacity ? old_capacity + old_capacity / 4 : DUPSET_MIN_CAPACITY;
  if (capacity > UINT32_MAX)
    cbn_die_nomem(); /* home_of needs capacity < 2^32: 48 GB of table */
  s->digests = cbn_xmalloc(capacity * sizeof(*s->digests));
  s->lines = cbn_xcalloc(capacity, sizeof(*s->lines));
  s->capacity = capacity;
  s->count = 0;
  for (size_t i = 0; i < old_capacity; i++)
    if (old_lines[i])
      place(s, old_digests[i], old_lines[i]);
  free(old_digests);
  free(old_lines);
}

size_t dupset_insert(struct dupset *s, uint64_t digest, size_t line)
{
  size_t first = dupset_find(s, digest);
  if (first)
    return first;
  if ((s->count + 1) * DUPSET_LOAD_DEN > s->capacity * DUPSET_LOAD_NUM)
    grow(s);
  place(s, digest, line > UINT32_MAX ? UINT32_MAX : (uint32_t)(line ? line : 1));
  return 0;
}

size_t dupset_bytes(const struct dupset *s)
{
  return s->capacity * (sizeof(*s->digests) + sizeof(*s->lines));
}
