/* dupset.c -- Robin Hood set of request digests with first-occurrence lines. */
#include "dupset.h"

#include "cbn_error.h"

#include <stdlib.h>
#include <string.h>

#define DUPSET_MIN_CAPACITY 16 /* slots a shard starts with */
/* Grow when the load would pass 92/100; grow by 9/8. */
#define DUPSET_LOAD_NUM 92
#define DUPSET_LOAD_DEN 100
#define WORDS 3 /* uint32_t words a slot */

static size_t home_of(uint32_t hi, size_t capacity)
{
  return (size_t)(((uint64_t)hi * (uint64_t)capacity) >> 32);
}

/* How far the entry in slot pos sits from its home slot. */
static size_t distance_of(const struct dupset_shard *s, size_t pos)
{
  size_t home = home_of(s->slots[WORDS * pos + 1], s->capacity);
  return pos >= home ? pos - home : pos + s->capacity - home;
}

void dupset_init(struct dupset *s)
{
  s->shards = NULL;
  s->count = 0;
}

void dupset_release(struct dupset *s)
{
  if (s->shards)
    for (size_t i = 0; i < DUPSET_SHARDS; i++)
      free(s->shards[i].slots);
  free(s->shards);
  dupset_init(s);
}

void dupset_clear(struct dupset *s)
{
  if (s->shards) {
    for (size_t i = 0; i < DUPSET_SHARDS; i++) {
      struct dupset_shard *sh = &s->shards[i];
      if (sh->slots)
        memset(sh->slots, 0, sh->capacity * WORDS * sizeof(*sh->slots));
      sh->count = 0;
    }
  }
  s->count = 0;
}

/* The shard of a digest: its low bits (the home slot inside the shard comes
 * from the high half, so the two are independent). */
static struct dupset_shard *shard_of(const struct dupset *s, uint64_t digest)
{
  return &s->shards[digest & (DUPSET_SHARDS - 1)];
}

static size_t shard_find(const struct dupset_shard *s, uint64_t digest)
{
  if (!s->count)
    return 0;
  uint32_t hi = (uint32_t)(digest >> 32), lo = (uint32_t)digest;
  size_t pos = home_of(hi, s->capacity);
  for (size_t dist = 0;; dist++) {
    const uint32_t *slot = s->slots + WORDS * pos;
    if (!slot[0])
      return 0;
    if (slot[1] == hi && slot[2] == lo)
      return slot[0];
    /* Robin Hood invariant: digest would sit before any entry closer to home. */
    if (distance_of(s, pos) < dist)
      return 0;
    if (++pos == s->capacity)
      pos = 0;
  }
}

/* Robin Hood placement from slot pos, the carried entry being dist slots
 * from its home; the table has a free slot. */
static void place_from(struct dupset_shard *s, size_t pos, size_t dist, uint32_t line, uint32_t hi,
                       uint32_t lo)
{
  for (;;) {
    uint32_t *slot = s->slots + WORDS * pos;
    if (!slot[0]) {
      slot[0] = line;
      slot[1] = hi;
      slot[2] = lo;
      s->count++;
      return;
    }
    size_t theirs = distance_of(s, pos);
    if (theirs < dist) {
      uint32_t l = slot[0], h = slot[1], o = slot[2];
      slot[0] = line;
      slot[1] = hi;
      slot[2] = lo;
      line = l, hi = h, lo = o;
      dist = theirs;
    }
    if (++pos == s->capacity)
      pos = 0;
    dist++;
  }
}

static void place(struct dupset_shard *s, uint32_t line, uint32_t hi, uint32_t lo)
{
  place_from(s, home_of(hi, s->capacity), 0, line, hi, lo);
}

static void grow(struct dupset_shard *s)
{
  size_t old_capacity = s->capacity;
  uint32_t *old = s->slots;
  size_t capacity = old_capacity ? old_capacity + old_capacity / 8 : DUPSET_MIN_CAPACITY;
  if (capacity > UINT32_MAX)
    cbn_die_nomem(); /* home_of needs capacity < 2^32: 48 GB of table */
  s->slots = cbn_xcalloc(capacity * WORDS, sizeof(*s->slots));
  s->capacity = capacity;
  s->count = 0;
  for (size_t i = 0; i < old_capacity; i++)
    if (old[WORDS * i])
      place(s, old[WORDS * i], old[WORDS * i + 1], old[WORDS * i + 2]);
  free(old);
}

static size_t shard_insert(struct dupset_shard *s, uint64_t digest, size_t line)
{
  if ((s->count + 1) * DUPSET_LOAD_DEN > s->capacity * DUPSET_LOAD_NUM)
    grow(s);
  uint32_t hi = (uint32_t)(digest >> 32), lo = (uint32_t)digest;
  uint32_t l = line > UINT32_MAX ? UINT32_MAX : (uint32_t)(line ? line : 1);
  /* One probe sequence: it finds the digest, or reaches the slot where the
   * Robin Hood invariant says the digest would be, and inserts from there. */
  size_t pos = home_of(hi, s->capacity);
  for (size_t dist = 0;; dist++) {
    const uint32_t *slot = s->slots + WORDS * pos;
    if (slot[0] && slot[1] == hi && slot[2] == lo)
      return slot[0];
    if (!slot[0] || distance_of(s, pos) < dist) {
      place_from(s, pos, dist, l, hi, lo);
      return 0;
    }
    if (++pos == s->capacity)
      pos = 0;
  }
}

size_t dupset_find(const struct dupset *s, uint64_t digest)
{
  return s->shards ? shard_find(shard_of(s, digest), digest) : 0;
}

size_t dupset_insert(struct dupset *s, uint64_t digest, size_t line)
{
  if (!s->shards)
    s->shards = cbn_xcalloc(DUPSET_SHARDS, sizeof(*s->shards));
  size_t first = shard_insert(shard_of(s, digest), digest, line);
  if (!first)
    s->count++;
  return first;
}

size_t dupset_bytes(const struct dupset *s)
{
  size_t n = 0;
  if (s->shards)
    for (size_t i = 0; i < DUPSET_SHARDS; i++)
      n += s->shards[i].capacity * WORDS * sizeof(*s->shards[i].slots);
  return n;
}
